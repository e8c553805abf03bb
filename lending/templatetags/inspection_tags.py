"""The loan page's post-loan inspections: the open one with its due date and those done, each
linking to its page (one query)."""

from django import template

from core.business_date import business_date
from lending.inspections import inspections_of_loan

register = template.Library()


@register.inclusion_tag("lending/inspection_panel.html")
def loan_inspections(loan) -> dict:
    return {"loan": loan, "inspections": inspections_of_loan(loan), "on": business_date()}
