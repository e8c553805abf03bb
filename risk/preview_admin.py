"""The Preview button of the change forms of early-warning rules and of the risk-level policy:
the form is validated and shown again, unsaved, with what the change would do to the book
today (risk.rule_preview) above its fields. Invalid input comes back with the errors next to
the fields and status 400; nothing is saved either way."""

from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from risk import rule_preview

PREVIEW_BUTTON = "_preview"


class ChangePreviewAdmin:
    """Mixin for a ModelAdmin whose change form previews the change. A subclass defines
    `preview_change(request, proposed) -> rule_preview.Preview` (`proposed` is the object
    with the form's values, unsaved) and says what the panel's values are
    (preview_value_heading, preview_value_label)."""

    change_form_template = "admin/risk/preview_change_form.html"
    # Column headings of the panel: what `before` and `after` are, and what is counted.
    preview_value_heading = _("severity")
    preview_count_heading = _("alerts")

    def preview_value_label(self, code: str) -> str:
        return code

    def _changeform_view(self, request, object_id, form_url, extra_context):
        if request.method == "POST" and PREVIEW_BUTTON in request.POST and object_id:
            return self._preview_view(request, object_id, form_url, extra_context)
        return super()._changeform_view(request, object_id, form_url, extra_context)

    def _preview_view(self, request, object_id, form_url, extra_context):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        fieldsets = self.get_fieldsets(request, obj)
        model_form = self.get_form(request, obj, change=True, fields=flatten_fieldsets(fieldsets))
        form = model_form(request.POST, request.FILES, instance=obj)
        valid = form.is_valid()
        preview = timed_out = None
        if valid:
            try:
                preview = self.preview_change(request, form.instance)
            except rule_preview.PreviewTimedOut:
                timed_out = True
        admin_form = helpers.AdminForm(
            form,
            list(fieldsets),
            self.get_prepopulated_fields(request, obj),
            self.get_readonly_fields(request, obj),
            model_admin=self,
        )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Change %s") % self.opts.verbose_name,
            "subtitle": str(obj),
            "adminform": admin_form,
            "object_id": object_id,
            "original": obj,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preview_app_label": self.opts.app_label,
            "change_preview": self._panel(preview) if preview else None,
            "change_preview_timed_out": timed_out,
            **(extra_context or {}),
        }
        response = self.render_change_form(
            request, context, add=False, change=True, obj=obj, form_url=form_url
        )
        if not valid:
            response.status_code = 400
        return response

    def _panel(self, preview: rule_preview.Preview) -> dict:
        """The preview as the template reads it: words, not codes."""
        changes = {
            rule_preview.RAISED: _("Would be raised"),
            rule_preview.CLEARED: _("Would clear"),
            rule_preview.MOVED: _("Would move"),
        }

        def label(code):
            return self.preview_value_label(code) if code else "—"

        return {
            "value_heading": self.preview_value_heading,
            "count_heading": self.preview_count_heading,
            "nothing_changes": preview.nothing_changes,
            "totals": [
                (changes[change], preview.total(change))
                for change in changes
                if preview.total(change)
            ],
            "counts": [
                {
                    "change": changes[row.change],
                    "before": label(row.before),
                    "after": label(row.after),
                    "branch": row.branch or "—",
                    "count": row.count,
                }
                for row in preview.counts
            ],
            "sample": [
                {
                    "change": changes[row.change],
                    "before": label(row.before),
                    "after": label(row.after),
                    "branch": row.branch or "—",
                    "customer_id": row.customer_id,
                    "name": row.name,
                }
                for row in preview.sample
            ],
            "sample_size": rule_preview.SAMPLE_SIZE,
            "outside_view": preview.outside_view,
        }
