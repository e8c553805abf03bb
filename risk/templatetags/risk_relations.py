"""The loan page's related-party section, owned by the risk app: the borrower's related
parties with their classes and alerts (risk.relations, the same panel as the customer 360),
so whoever classifies the loan sees the contagion it may carry."""

from django import template

from risk.relations import related_parties_panel

register = template.Library()


@register.inclusion_tag("risk/related_parties_panel.html", takes_context=True)
def loan_related_parties(context, loan) -> dict:
    _template, panel = related_parties_panel(loan.customer, context["request"].user)
    return {"panel": panel, "customer": loan.customer}
