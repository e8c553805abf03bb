"""The inspection form: one finding per item of the product's checklist (the five standard
topics when the product has none configured), the day of the visit and the conclusion."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.date_ranges import INSPECTED_ON, DateRanges
from lending.inspection_models import (
    ChecklistTopic,
    FindingResult,
    InspectionChecklistItem,
    InspectionConclusion,
)
from lending.services.inspections import Finding


def checklist_of(product) -> list[tuple[str, str]]:
    """(topic, question) for each item of the product's checklist, in order."""
    items = [
        (item.topic, item.question)
        for item in InspectionChecklistItem.objects.filter(product=product)
    ]
    return items or [(topic.value, str(topic.label)) for topic in ChecklistTopic]


class InspectionForm(DateRanges, forms.Form):
    date_ranges = {"inspected_on": INSPECTED_ON}

    inspected_on = forms.DateField(
        label=_("Inspected on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    conclusion = forms.ChoiceField(label=_("Conclusion"), choices=InspectionConclusion.choices)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, checklist: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        for index, (_topic, question) in enumerate(checklist):
            self.fields[f"result_{index}"] = forms.ChoiceField(
                label=question, choices=FindingResult.choices, widget=forms.RadioSelect
            )
            self.fields[f"note_{index}"] = forms.CharField(
                label=_("Note"), max_length=2000, required=False
            )

    def rows(self):
        """(question, result field, note field) per checklist item, for the template."""
        return [
            (question, self[f"result_{index}"], self[f"note_{index}"])
            for index, (_topic, question) in enumerate(self.checklist)
        ]

    def clean(self):
        cleaned = super().clean()
        for index, (_topic, _question) in enumerate(self.checklist):
            if (
                cleaned.get(f"result_{index}") == FindingResult.CONCERN
                and not cleaned.get(f"note_{index}", "").strip()
            ):
                self.add_error(f"note_{index}", _("Say what the concern is."))
        return cleaned

    def findings(self) -> list[Finding]:
        return [
            Finding(
                topic=topic,
                question=question,
                result=self.cleaned_data[f"result_{index}"],
                note=self.cleaned_data[f"note_{index}"],
            )
            for index, (topic, question) in enumerate(self.checklist)
        ]
