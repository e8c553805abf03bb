"""The application page's document checklist: `{% document_checklist application %}`."""

from django import template

from lending.document_checklist import checklist_for

register = template.Library()


@register.inclusion_tag("lending/document_checklist.html")
def document_checklist(application):
    return {"items": checklist_for(application), "application": application}
