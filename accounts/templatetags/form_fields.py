"""`{{ form.kind|form_field }}`: one form field in the markup the crispy Bootstrap 5 pack
gives (label, control, errors with `is-invalid`, help text), built in Python.

The filter bars above the busiest pages (customers, loans, alerts, dashboard) and the quick
contact form on the customer 360 hold up to a dozen fields; crispy renders each field through
half a dozen nested templates and Django renders every `<option>` through its own, which made
the filter bar half the customer list's server time. Inputs, text areas, selects, single
checkboxes and empty file pickers are written here; radios, and a file picker showing a stored
file, go through crispy as before.

`{{ form|form_fields }}` is `{{ form|crispy }}` the same way: the form's own errors, then
every field (the loan page's repayment, restructuring and reversal forms and the documents
panel's upload form took a quarter of the loan page's server time through crispy).
"""

from html import escape

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.forms.widgets import ChoiceWidget, Input
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

# Widgets crispy draws as checks, radios or file pickers keep crispy's templates (but for an
# empty file picker: _file_picker).
_CRISPY_ONLY = (
    forms.FileInput,
    forms.RadioSelect,
    forms.CheckboxSelectMultiple,
    forms.MultiWidget,
)


@register.filter
def form_field(field):
    widget = field.field.widget
    if isinstance(widget, forms.FileInput) and not _crispy_draws_file(field):
        return _file_picker(field)
    if isinstance(widget, _CRISPY_ONLY) or not isinstance(
        widget, (Input, forms.Select, forms.Textarea)
    ):
        return as_crispy_field(field)
    if widget.is_hidden:
        return _control(field, "")
    if isinstance(widget, forms.CheckboxInput):
        return _checkbox(field)
    control_class = "form-select" if isinstance(widget, forms.Select) else "form-control"
    if field.errors:
        control_class += " is-invalid"
    return format_html(
        '<div id="div_{}" class="mb-3">{}{}{}{}{}</div>',
        field.auto_id,
        _label(field),
        _control(field, control_class),
        # Fields that detect changes carry their initial value alongside (rare; Django's way).
        _initial_hidden(field) if field.field.show_hidden_initial else "",
        _errors(field),
        _help_text(field),
    )


@register.filter
def form_fields(form):
    """The whole form as `{{ form|crispy }}` writes it: its media, the errors that belong to
    no field in a red box, then every field (hidden ones included, in the form's order)."""
    non_field_errors = ""
    if form.non_field_errors():
        non_field_errors = format_html(
            '<div class="alert alert-block alert-danger"><ul class="m-0">{}</ul></div>',
            format_html_join("", "<li>{}</li>", ((error,) for error in form.non_field_errors())),
        )
    return format_html(
        "{}{}{}",
        form.media,
        non_field_errors,
        format_html_join("", "{}", ((form_field(field),) for field in form)),
    )


def _label(field):
    if not field.label:
        return ""
    required = field.field.required
    return format_html(
        '<label for="{}" class="form-label{}">{}{}</label>',
        field.id_for_label,
        " requiredField" if required else "",
        field.label,
        format_html('<span class="asteriskField">{}</span>', "*") if required else "",
    )


def _crispy_draws_file(field) -> bool:
    """A file picker showing the file already stored (with its clear box), or a disabled
    one: rare, left to crispy's field_file.html."""
    widget = field.field.widget
    shows_stored_file = isinstance(widget, forms.ClearableFileInput) and widget.is_initial(
        field.value()
    )
    return shows_stored_file or field.field.disabled


def _file_picker(field):
    """An empty file picker as crispy's field_file.html writes it: the input in its own
    `<div>` with the errors and help text (the documents panel's upload form, on the customer
    360 and the loan page: through crispy it cost those pages about a millisecond each)."""
    errors = field.errors
    widget = field.field.widget
    attrs = field.build_widget_attrs({"id": field.auto_id} if field.auto_id else {})
    attrs = widget.build_attrs(widget.attrs, attrs)
    css_class = " ".join(
        part
        for part in ("form-control", attrs.pop("class", ""), "is-invalid" if errors else "")
        if part
    )
    wrapper = '<div class="is-invalid">' if errors else "<div>"
    return format_html(
        '<div id="div_{}" class="mb-3">{}' + wrapper + '<input type="{}" name="{}" class="{}"{}>'
        "{}{}</div></div>",
        field.auto_id,
        _label(field),
        widget.input_type,
        field.html_name,
        css_class,
        _attributes(attrs),
        _errors(field),
        _help_text(field),
    )


def _attributes(attrs: dict):
    """The attributes in their own order, as Django's and crispy's widget templates write them
    (flatatt sorts them)."""
    return format_html_join(
        "",
        " {}{}",
        (
            (name, "" if value is True else format_html('="{}"', value))
            for name, value in attrs.items()
            if value is not False
        ),
    )


def _initial_hidden(field):
    """`field.as_hidden(only_initial=True)` (BoundField.as_widget's steps) without Django's
    three widget templates: the hidden input carrying the value the form was shown with, by
    which it tells a change (a model field with a callable default, as the quick interaction
    form's time)."""
    widget = field.field.hidden_widget()
    if field.field.localize:
        widget.is_localized = True
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.html_initial_id)
    if field.html_initial_name in field.form.data:
        value = field.form._widget_data_value(widget, field.html_initial_name)
    else:
        value = field.value()
    context = widget.get_context(field.html_initial_name, value, attrs)["widget"]
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        context["type"],
        context["name"],
        format_html(' value="{}"', context["value"]) if context["value"] is not None else "",
        _attributes(context["attrs"]),
    )


def _checkbox(field):
    """A single checkbox: the box, then its label beside it, in crispy's `form-check`."""
    control_class = "form-check-input is-invalid" if field.errors else "form-check-input"
    required = field.field.required
    return format_html(
        '<div class="mb-3"><div id="div_{}" class="form-check">{}{}'
        '<label for="{}" class="form-check-label{}">{}{}</label>{}{}</div></div>',
        field.auto_id,
        _control(field, control_class),
        _initial_hidden(field) if field.field.show_hidden_initial else "",
        field.id_for_label,
        " requiredField" if required else "",
        field.label,
        format_html('<span class="asteriskField">{}</span>', "*") if required else "",
        _errors(field),
        _help_text(field),
    )


def _errors(field):
    if not field.errors:
        return ""
    return format_html(
        '<div id="{}_error" class="invalid-feedback">{}</div>',
        field.auto_id,
        format_html_join(
            "",
            '<p id="error_{}_{}"><strong>{}</strong></p>',
            ((number, field.auto_id, error) for number, error in enumerate(field.errors, 1)),
        ),
    )


def _help_text(field):
    if not field.help_text:
        return ""
    return format_html(
        '<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, field.help_text
    )


def _control(field, control_class: str):
    """The `<input>` or `<select>` as Django's widget templates write it, from the widget's own
    context (so values, choices, `selected` and attributes follow the widget's rules)."""
    widget = field.field.widget
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs["id"] = field.auto_id
    if control_class:
        css_name = widget.__class__.__name__.lower()
        attrs["class"] = " ".join(
            part for part in (widget.attrs.get("class", ""), css_name, control_class) if part
        )
    if _has_plain_options(widget):
        return format_html(
            '<select name="{}"{}>{}</select>',
            field.html_name,
            flatatt(widget.build_attrs(widget.attrs, attrs)),
            _plain_options(widget, widget.format_value(field.value())),
        )
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    if isinstance(widget, forms.Select):
        options = []
        for group_name, group_options, _index in context["optgroups"]:
            rendered = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (option["value"], flatatt(option["attrs"]), option["label"])
                    for option in group_options
                ),
            )
            if group_name:
                rendered = format_html('<optgroup label="{}">{}</optgroup>', group_name, rendered)
            options.append(rendered)
        return format_html(
            '<select name="{}"{}>{}</select>',
            context["name"],
            flatatt(context["attrs"]),
            format_html_join("", "{}", ((option,) for option in options)),
        )
    value = context["value"]
    if isinstance(widget, forms.Textarea):
        return format_html(
            '<textarea name="{}"{}>\n{}</textarea>',
            context["name"],
            flatatt(context["attrs"]),
            value or "",
        )
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        context["type"],
        context["name"],
        format_html(' value="{}"', value) if value is not None else "",
        flatatt(context["attrs"]),
    )


def _has_plain_options(widget) -> bool:
    """A single-choice select whose options carry no attributes but `selected`: Django's own
    Select, or a subclass that leaves its options alone."""
    return (
        isinstance(widget, forms.Select)
        and not widget.allow_multiple_selected
        and not widget.option_inherits_attrs
        and type(widget).optgroups is ChoiceWidget.optgroups
        and type(widget).create_option is ChoiceWidget.create_option
        and type(widget).get_context is forms.Select.get_context
    )


def _plain_options(widget, values: list[str]):
    """The `<option>`s (and `<optgroup>`s) Django's templates write for `widget`, the first
    choice whose value is in `values` selected (ChoiceWidget.optgroups' rule), without a
    template, a dict and an attribute copy per option: the filter bars hold a hundred."""
    selected_yet = False
    parts = []
    for group_value, group_label in _choices(widget):
        is_group = isinstance(group_label, (list, tuple))
        if group_value is None:
            group_value = ""
        options = []
        for value, label in group_label if is_group else [(group_value, group_label)]:
            value = str(value)
            selected = not selected_yet and value in values
            selected_yet |= selected
            options.append(
                f'<option value="{escape(value)}"{" selected" if selected else ""}>'
                f"{conditional_escape(str(label))}</option>"
            )
        if is_group:
            options = [
                f'<optgroup label="{conditional_escape(str(group_value))}">'
                f"{''.join(options)}</optgroup>"
            ]
        parts.extend(options)
    # Every value and label is escaped above; format_html per option cost twice the rest.
    return mark_safe("".join(parts))  # noqa: S308


def _choices(widget):
    """The widget's choices; a model choice field's rows read by one plain query. Django's
    ModelChoiceIterator reads them through a server-side cursor (DECLARE, FETCH, CLOSE: three
    round trips and psycopg's cursor machinery per select) to spare memory on huge tables,
    which a filter bar's few rows do not need."""
    choices = widget.choices
    if type(choices) is not ModelChoiceIterator:
        return choices
    field = choices.field
    rows = [(field.prepare_value(row), field.label_from_instance(row)) for row in choices.queryset]
    if field.empty_label is not None:
        rows.insert(0, ("", field.empty_label))
    return rows
