"""`{{ value|localized }}`: seeded reference data (crm_site/reference_texts.py) in the
reader's language; anything the catalogue does not know is shown as it is."""

from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def localized(value):
    if not isinstance(value, str) or not value:
        return value
    return gettext(value)
