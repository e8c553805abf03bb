"""The documents panel on any owner's page: `{% documents_panel "loan" loan %}`."""

from django import template

register = template.Library()


@register.inclusion_tag("customers/documents_panel.html", takes_context=True)
def documents_panel(context, kind: str, owner):
    from customers.document_views import panel_context

    request = context["request"]
    return {
        "panel": panel_context(request.user, kind, owner, next_url=request.get_full_path()),
        "csrf_token": context.get("csrf_token"),
    }
