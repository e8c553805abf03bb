"""The layout's navigation. `{% navbar_entries navigation %}`: the main navigation's entries
(accounts.navigation), the markup base.html wrote in a loop, built in Python: every signed-in
page draws the navbar, and the loop rendered over a hundred nodes per page, more than the rest
of the layout together. `{% fixed_url 'home' %}`: `{% url 'home' %}` for a URL without
arguments, reversed once per process (accounts.navigation.url_without_arguments).
"""

from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from accounts.navigation import url_without_arguments

register = template.Library()


@register.simple_tag
def fixed_url(url_name: str) -> str:
    return url_without_arguments(url_name)


@register.simple_tag
def navbar_entries(entries: list[dict]):
    # Every value is escaped below (html.escape, what django.utils.html.escape applies without
    # its lazy-string wrapper); format_html per link cost as much as the template loop.
    return mark_safe(  # noqa: S308
        "\n".join(_entry(entry, number) for number, entry in enumerate(entries, 1))
    )


def _link(entry: dict, css_class: str, current: bool) -> str:
    active = " active" if entry["active"] else ""
    aria_current = ' aria-current="page"' if current else ""
    return (
        f'<a class="{css_class}{active}" href="{escape(entry["url"])}"{aria_current}>'
        f'<i class="bi bi-{escape(entry["icon"])}" aria-hidden="true"></i>'
        f" {escape(str(entry['label']))}</a>"
    )


def _entry(entry: dict, number: int) -> str:
    link = _link(entry, "nav-link", entry["current"])
    if not entry["children"]:
        return f'<li class="nav-item">{link}</li>'
    # The entry stays a link; its caret opens what is folded under it. The hidden text as
    # {% blocktranslate %} writes it: the label escaped, the translation as it is.
    more = gettext("More under %(label)s") % {"label": escape(str(entry["label"]))}
    children = "".join(
        f"<li>{_link(child, 'dropdown-item', child['active'])}</li>" for child in entry["children"]
    )
    return (
        f'<li class="nav-item dropdown d-flex flex-wrap align-items-center">{link}'
        '<button class="nav-link dropdown-toggle dropdown-toggle-split px-1 border-0'
        ' bg-transparent" type="button" data-bs-toggle="dropdown" aria-expanded="false"'
        f' data-testid="nav-more-{number}"><span class="visually-hidden">{more}</span></button>'
        f'<ul class="dropdown-menu">{children}</ul></li>'
    )
