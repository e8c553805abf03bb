import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from credit.business_date import business_date
from credit.models import ApplicationStatus, LoanProduct
from crm_site import exports
from customers.forms import DATE_INPUT
from customers.models import Industry
from dashboards import reports, selectors
from dashboards.activity import default_compare, figures_for
from risk.models import LoanClass


class DashboardForm(forms.Form):
    branch = forms.ModelChoiceField(
        label=_("Branch"), required=False, queryset=None, empty_label=_("All branches")
    )
    matrix = forms.ChoiceField(
        label=_("Migration of"),
        required=False,
        choices=[("classification", _("Five-tier class")), ("grade", _("Grade"))],
    )
    compare = forms.DateField(label=_("Compare with"), required=False, widget=DATE_INPUT)
    start = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = selectors.branches_for(user)
        if not user.sees_all_branches:
            del self.fields["branch"]


def _bars(rows) -> list[dict]:
    """Rows of (label, value, drill-down URL) with a width relative to the largest value."""
    top = max((value for _label, value, _url in rows), default=0) or 1
    return [
        {
            "label": label,
            "value": value,
            "url": url,
            "width": round(100 * value / top),
            "delta": None,
        }
        for label, value, url in rows
    ]


def _url(name: str, branch=None, **query) -> str:
    """A drill-down link; the dashboard's branch filter travels with it."""
    if branch is not None:
        query["branch"] = branch.pk
    return f"{reverse(name)}?{urlencode(query)}"


def dashboard(request):
    user = request.user
    form = DashboardForm(request.GET or None, user=user)
    filters = form.cleaned_data if form.is_valid() else {}
    today = business_date()
    scope = selectors.Scope(user=user, branch=filters.get("branch"))
    start = filters.get("start") or today - dt.timedelta(days=30)
    end = filters.get("end") or today
    matrix_kind = filters.get("matrix") or "classification"

    class_names = dict(LoanClass.choices)
    products = {product.pk: gettext(product.name) for product in LoanProduct.objects.all()}
    industries = {industry.pk: str(industry) for industry in Industry.objects.all()}
    by_grade = dict(
        (key or "", (total, n)) for key, total, n in selectors.exposure_by(scope, "customer__grade")
    )
    compare = filters.get("compare") or default_compare(today)
    activity, figures_at = figures_for(
        scope, today=today, compare=compare, refresh=request.GET.get("refresh") == "1"
    )
    portfolio = selectors.portfolio_kpis(scope, customers=activity["customers"])
    earlier = selectors.snapshot_kpis(scope, compare)
    alerts = activity["alerts"]
    pipeline = activity["pipeline"]
    relationship = activity["relationship"]
    context = {
        "form": form,
        "today": today,
        "figures_at": figures_at,
        "refresh_query": urlencode({**request.GET.dict(), "refresh": "1"}),
        "portfolio": portfolio,
        "compare": compare,
        "earlier": earlier,
        "trend": selectors.trend(portfolio, earlier),
        "alert_trend": selectors.trend(
            alerts, activity["alerts_then"], ("red", "orange", "yellow", "breached")
        ),
        "pipeline_trend": selectors.trend(
            pipeline, activity["pipeline_then"], ("in_pipeline", "approval_rate")
        ),
        "relationship_trend": selectors.trend(
            relationship,
            activity["relationship_then"],
            ("csat", "nps", "follow_up_compliance"),
        ),
        "alerts": alerts,
        "pipeline": pipeline,
        "relationship": relationship,
        "buckets": [
            {**bar, "delta": value - earlier[f"bucket_{key}"] if earlier else None}
            for bar, (key, _label, value) in zip(
                _bars(
                    [
                        (label, value, _url("credit:loan-list", dpd=key, branch=scope.branch))
                        for key, label, value in portfolio["buckets"]
                    ]
                ),
                portfolio["buckets"],
                strict=True,
            )
        ],
        "by_grade": _bars(
            [
                (
                    grade,
                    by_grade[grade][0],
                    _url("credit:loan-list", grade=grade, branch=scope.branch),
                )
                for grade in selectors.GRADES
                if grade in by_grade
            ]
        ),
        "by_class": _bars(
            [
                (
                    class_names[code],
                    total,
                    _url("credit:loan-list", loan_class=code, branch=scope.branch),
                )
                for code, total, _n in sorted(
                    row
                    for row in selectors.exposure_by(scope, "risk__final_class")
                    if row[0] is not None
                )
            ]
        ),
        "by_product": _bars(
            [
                (products[key], total, _url("credit:loan-list", product=key, branch=scope.branch))
                for key, total, _n in selectors.exposure_by(scope, "product")
            ],
        ),
        "by_industry": _bars(
            [
                (
                    industries[key],
                    total,
                    _url("credit:loan-list", industry=key, branch=scope.branch),
                )
                for key, total, _n in selectors.exposure_by(scope, "customer__industry")
                if key
            ]
        ),
        "alert_ages": _bars(
            [
                (label, alerts[key], _url("risk:alert-list", age=age, branch=scope.branch))
                for key, label, age in (
                    ("age_1", _("Last 24 hours"), "1"),
                    ("age_7", _("1–7 days"), "7"),
                    ("age_30", _("7–30 days"), "30"),
                    ("age_older", _("Older than 30 days"), "older"),
                )
            ]
        ),
        "funnel": _bars(
            [
                (
                    label,
                    pipeline["stages"].get(status, 0),
                    _url("credit:application-list", status=status, branch=scope.branch),
                )
                for status, label in ApplicationStatus.choices
            ]
        ),
        "league": activity["league"],
        "nps_trend": activity["nps_trend"],
        "matrix": selectors.migration_matrix(scope, matrix_kind, start, end),
        "matrix_kind": matrix_kind,
        "start": start,
        "end": end,
    }
    return render(request, "dashboards/dashboard.html", context)


REPORT_PAGE_ROWS = 100


def report(request, slug: str):
    """A topic report: filters, the first rows on the page, the whole list as CSV or XLSX."""
    definition = reports.REPORTS.get(slug)
    if definition is None:
        raise Http404
    form = definition.form(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = definition.rows(request.user, filters)
    columns = definition.columns()
    fmt = request.GET.get("export")
    if fmt:
        if fmt not in exports.FORMATS:
            raise Http404
        audit_log(
            actor=request.user,
            action="dashboards.report.exported",
            object_type="dashboards.report",
            after={"report": slug, "format": fmt, "query": request.GET.urlencode()},
        )
        return exports.export(fmt, rows, columns, stem=slug, sheet=str(definition.title))
    page = list(rows[: REPORT_PAGE_ROWS + 1])
    query = {key: value for key, value in request.GET.items() if key != "export" and value}
    return render(
        request,
        "dashboards/report.html",
        {
            "form": form,
            "report": definition,
            "reports": reports.REPORTS.values(),
            "headers": [label for label, _getter in columns],
            "table": [
                [getter(row) for _label, getter in columns] for row in page[:REPORT_PAGE_ROWS]
            ],
            "more": len(page) > REPORT_PAGE_ROWS,
            "query": urlencode(query),
        },
    )
