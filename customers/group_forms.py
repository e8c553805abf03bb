"""Forms of the customer-group pages (risk/group_manage_views.py): the group itself and a new
member, typed by customer number."""

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from customers.relations import CustomerGroup
from customers.selectors import customer_list_for


class GroupForm(forms.ModelForm):
    class Meta:
        model = CustomerGroup
        fields = ["name", "group_limit", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Next to the field, in the service's words (customers.relation_services.group_save),
        # rather than the table constraint's name on top of the form.
        self.fields["group_limit"].validators.append(
            MinValueValidator(0, message=_("A group limit cannot be negative."))
        )


class GroupMemberForm(forms.Form):
    customer = forms.ModelChoiceField(
        label=_("Customer number"),
        queryset=None,
        widget=forms.NumberInput,
        error_messages={
            "invalid_choice": _("No customer with this number among the customers you see.")
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only customers the user may see: another number reads as unknown, as a 404 would.
        self.fields["customer"].queryset = customer_list_for(user)
