"""The columns of the customer list export (identifiers masked)."""

from django.utils.translation import gettext as _

from core import exports

FORMATS = exports.FORMATS


def columns():
    return [
        (_("ID"), lambda c: c.pk),
        (_("Type"), lambda c: c.get_kind_display()),
        (_("Name"), lambda c: c.name),
        (_("Identifier"), lambda c: c.masked_identifier),
        (_("Phone"), lambda c: c.masked_phone),
        (_("E-mail"), lambda c: c.email),
        (_("Relationship manager"), lambda c: str(c.officer)),
        (_("Branch"), lambda c: str(c.branch)),
        (_("Risk level"), lambda c: c.get_risk_level_display()),
        (_("Grade"), lambda c: c.grade),
        (_("Industry"), lambda c: str(c.industry) if c.industry_id else ""),
        (_("Size"), lambda c: c.get_size_display()),
        (_("Monthly income"), lambda c: c.monthly_income),
        (_("Annual revenue"), lambda c: c.annual_revenue),
        (_("Created"), lambda c: c.created_at),
    ]


def export(fmt: str, queryset):
    return exports.export(fmt, queryset, columns(), stem="customers", sheet=_("Customers"))
