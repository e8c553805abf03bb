import datetime as dt
import functools
from urllib.parse import urlencode

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.services import export_record
from core import exports
from core.business_date import business_date
from core.replica import reads_from_replica
from customers.forms import DATE_INPUT
from customers.models import Industry
from dashboards import charts, concentration, reports, selectors
from dashboards.activity import default_compare, figures_for
from lending.models import ApplicationStatus, LoanProduct
from lending.selectors import ANY_OVERDUE, NON_PERFORMING
from lending.stages import IN_PIPELINE
from risk.models import LoanClass
from risk.selectors import PAST_SLA


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

    def clean(self):
        # A period that ends before it starts is refused rather than drawn as an empty
        # matrix; without an end date the period ends on the business date.
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The period ends before it starts."))
        elif start and not end and "end" not in self.errors and start > business_date():
            self.add_error(
                "start",
                _("The period starts after the business date, %(date)s.")
                % {"date": business_date().isoformat()},
            )
        return cleaned


def _bars(rows) -> list[dict]:
    """Rows of (label, value, drill-down URL[, loans]) with a width relative to the largest
    value; the loans a bar of exposure counts are shown with it, as its list holds them."""
    top = max((row[1] for row in rows), default=0) or 1
    return [
        {
            "label": label,
            "value": value,
            "url": url,
            "loans": loans[0] if loans else None,
            "width": round(100 * value / top),
            "delta": None,
        }
        for label, value, url, *loans in rows
    ]


def _url(name: str, branch=None, args=(), **query) -> str:
    """A drill-down link; the dashboard's branch filter travels with it."""
    if branch is not None:
        query["branch"] = branch.pk
    return f"{_path(name, tuple(args), get_script_prefix(), get_urlconf())}?{urlencode(query)}"


@functools.lru_cache(maxsize=64)
def _path(name: str, args: tuple, script_prefix: str, urlconf) -> str:
    # A page holds about a hundred links to a dozen lists: reversing each cost a tenth of the
    # page. The path depends on nothing else than these (reverse() reads the request's prefix
    # and URLconf), never on who asks.
    return reverse(name, args=args)


def _month_end(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _links(scope, *, today: dt.date, figures_at: dt.datetime) -> dict:
    """Where each card of the dashboard drills down to: the list holding exactly the rows its
    figure counts, in the same scope (the branch asked for travels along) and for the same
    day. Loan figures are today's book, so their lists are the current loans; the activity
    figures were counted at `figures_at`, which their lists take as the moment to count at."""
    branch = scope.branch
    at = timezone.localtime(figures_at).isoformat()
    since, _last_due = selectors.relationship_window(today)
    window_start = timezone.localtime(figures_at - dt.timedelta(days=selectors.WINDOW_DAYS))
    return {
        "customers": _url("customers:list", branch),
        "exposure": _url("lending:loan-list", branch, status="active"),
        "npl": _url("lending:loan-list", branch, status="active", loan_class=NON_PERFORMING),
        "alerts": _url("risk:alert-list", branch, at=at),
        **{
            severity: _url("risk:alert-list", branch, severity=severity, at=at)
            for severity in ("red", "orange", "yellow")
        },
        "breached": _url("risk:alert-list", branch, sla=PAST_SLA, at=at),
        "pipeline": _url("lending:application-list", branch, status=IN_PIPELINE, at=at),
        "decisions": _url(
            "dashboards:report",
            branch,
            args=["pipeline"],
            decided_after=window_start.isoformat(),
            decided_until=at,
        ),
        "satisfaction": _url(
            "dashboards:report", branch, args=["satisfaction"], since=since.isoformat()
        ),
        "follow_ups": _url(
            "dashboards:report",
            branch,
            args=["follow-ups"],
            since=since.isoformat(),
            # Follow-ups settled up to today: the figure counts those done today.
            until=today.isoformat(),
        ),
    }


def _matrix_cells(scope, matrix: dict, start: dt.date, end: dt.date) -> list:
    """The migration matrix's rows: (label, [(count, exposure, link) per column]), each cell
    linking to the report of its subjects; a cell of none shows empty and links nowhere (most
    cells are off the diagonal and empty)."""
    values = matrix["values"]
    return [
        (
            label,
            [
                (
                    count,
                    amount,
                    _url(
                        "dashboards:report",
                        scope.branch,
                        args=["migration"],
                        kind=matrix["kind"],
                        start=start.isoformat(),
                        end=end.isoformat(),
                        old=old,
                        new=new,
                    )
                    if count or amount
                    else "",
                )
                for count, amount, new in zip(counts, amounts, values, strict=True)
            ],
        )
        for (label, counts), (_label, amounts), old in zip(
            matrix["rows"], matrix["exposure_rows"], values, strict=True
        )
    ]


def _league_links(scope, rows: list[dict], *, today: dt.date, figures_at: dt.datetime):
    """Each officer's row of the league table, with a link behind every figure."""
    branch = scope.branch
    at = timezone.localtime(figures_at).isoformat()
    since = (today - dt.timedelta(days=selectors.LEAGUE_CONTACT_DAYS)).isoformat()
    today_iso = today.isoformat()
    surveys_since = (today - dt.timedelta(days=selectors.WINDOW_DAYS)).isoformat()
    for row in rows:
        officer = row["officer"].pk
        loans = {"status": "active", "officer": officer}
        yield {
            **row,
            "links": {
                "customers": _url("customers:list", branch, officer=officer),
                "exposure": _url("lending:loan-list", branch, **loans),
                "overdue": _url("lending:loan-list", branch, dpd=ANY_OVERDUE, **loans),
                "alerts": _url("risk:alert-list", branch, officer=officer, at=at),
                "breached": _url("risk:alert-list", branch, officer=officer, sla=PAST_SLA, at=at),
                "interactions": _url(
                    "dashboards:report",
                    branch,
                    args=["relationship"],
                    officer=officer,
                    since=since,
                ),
                "follow_ups": _url(
                    "dashboards:report",
                    branch,
                    args=["follow-ups"],
                    owner=officer,
                    since=since,
                    until=today_iso,
                ),
                "csat": _url(
                    "dashboards:report",
                    branch,
                    args=["satisfaction"],
                    officer=officer,
                    since=surveys_since,
                ),
            },
        }


# The alert age bars: (figure key, label, the alert list's age filter).
ALERT_AGES = (
    ("age_1", _("Last 24 hours"), "1"),
    ("age_7", _("1–7 days"), "1-7"),
    ("age_30", _("7–30 days"), "7-30"),
    ("age_older", _("Older than 30 days"), "older"),
)


@reads_from_replica
def dashboard(request):
    user = request.user
    form = DashboardForm(request.GET or None, user=user)
    if form.is_bound and not form.is_valid():
        # The errors next to the filters, and no figures: figures of other dates or of the
        # whole scope would pass for the ones asked for.
        return render(request, "dashboards/dashboard_refused.html", {"form": form}, status=400)
    filters = form.cleaned_data if form.is_bound else {}
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
    at = timezone.localtime(figures_at).isoformat()
    matrix = selectors.migration_matrix(scope, matrix_kind, start, end)
    context = {
        "form": form,
        "today": today,
        "figures_at": figures_at,
        "refresh_query": urlencode({**request.GET.dict(), "refresh": "1"}),
        # The provision cards (risk.templatetags.risk_provisions) follow the branch filter.
        "provision_branch": filters.get("branch"),
        # Their sums as kept with the activity figures (None in figures kept before they were).
        "provision_summary": activity.get("provisions"),
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
                        (
                            label,
                            value,
                            _url("lending:loan-list", scope.branch, status="active", dpd=key),
                        )
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
                    _url("lending:loan-list", scope.branch, status="active", grade=grade),
                    by_grade[grade][1],
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
                    _url("lending:loan-list", scope.branch, status="active", loan_class=code),
                    loans,
                )
                for code, total, loans in sorted(
                    row
                    for row in selectors.exposure_by(scope, "risk__final_class")
                    if row[0] is not None
                )
            ]
        ),
        "by_product": _bars(
            [
                (
                    products[key],
                    total,
                    _url("lending:loan-list", scope.branch, status="active", product=key),
                    loans,
                )
                for key, total, loans in selectors.exposure_by(scope, "product")
            ],
        ),
        "by_industry": _bars(
            [
                (
                    industries[key],
                    total,
                    _url("lending:loan-list", scope.branch, status="active", industry=key),
                    loans,
                )
                for key, total, loans in selectors.exposure_by(scope, "customer__industry")
                if key
            ]
        ),
        "alert_ages": _bars(
            [
                (label, alerts[key], _url("risk:alert-list", scope.branch, age=age, at=at))
                for key, label, age in ALERT_AGES
            ]
        ),
        "funnel": _bars(
            [
                (
                    label,
                    pipeline["stages"].get(status, 0),
                    _url("lending:application-list", scope.branch, status=status, at=at),
                )
                for status, label in ApplicationStatus.choices
            ]
        ),
        "league": list(
            _league_links(scope, activity["league"], today=today, figures_at=figures_at)
        ),
        # Figures kept before the totals row existed have none: the table then goes without.
        "league_totals": activity.get("league_totals"),
        "nps_trend": [
            (
                month,
                nps,
                answers,
                _url(
                    "dashboards:report",
                    scope.branch,
                    args=["satisfaction"],
                    since=month.isoformat(),
                    until=_month_end(month).isoformat(),
                    score="nps",
                ),
            )
            for month, nps, answers in activity["nps_trend"]
        ],
        "links": _links(scope, today=today, figures_at=figures_at),
        "matrix": matrix,
        "matrix_cells": _matrix_cells(scope, matrix, start, end),
        "matrix_kind": matrix_kind,
        "start": start,
        "end": end,
    }
    context.update(_charts(context, scope, start=start, end=end, at=at))
    context.update(_concentration(scope))
    return render(request, "dashboards/dashboard.html", context)


def _concentration(scope) -> dict:
    """The ten largest single and group exposures against their limits (three queries, four
    with a capital figure configured: dashboards/concentration.py)."""
    largest = concentration.largest_exposures(scope)
    largest["concentration_cards"] = [
        (
            gettext("Largest single exposures"),
            largest["largest_singles"],
            largest["chart_largest_singles"],
            "plot-largest-singles",
            "largest-singles",
        ),
        (
            gettext("Largest group exposures"),
            largest["largest_groups"],
            largest["chart_largest_groups"],
            "plot-largest-groups",
            "largest-groups",
        ),
    ]
    return largest


def _charts(context: dict, scope, *, start: dt.date, end: dt.date, at: str) -> dict:
    """The dashboard's charts (dashboards/charts.py), drawn from the figures and drill-down
    URLs already in the context; the only query is the snapshots' trend over the period."""
    npl_ratio, exposure = charts.portfolio_trend(selectors.snapshot_series(scope, start, end))

    def alert_url(severity, age):
        query = {"age": age, "at": at}
        if severity:
            query["severity"] = severity
        return _url("risk:alert-list", scope.branch, **query)

    return {
        "chart_npl_ratio": npl_ratio,
        "chart_exposure_trend": exposure,
        "chart_alert_ages": charts.alert_ages(
            context["alerts"],
            [(key, str(label), age) for key, label, age in ALERT_AGES],
            alert_url,
        ),
        "chart_funnel": charts.pipeline_funnel(context["funnel"]),
        "chart_buckets": charts.exposure_bars(
            context["buckets"], category_title=gettext("Days past due")
        ),
        "chart_class": charts.exposure_bars(
            context["by_class"], category_title=gettext("Five-tier class")
        ),
        "chart_grade": charts.exposure_bars(context["by_grade"], category_title=gettext("Grade")),
        "chart_product": charts.exposure_bars(
            context["by_product"], category_title=gettext("Product")
        ),
        "chart_industry": charts.exposure_bars(
            context["by_industry"], category_title=gettext("Industry")
        ),
    }


REPORT_PAGE_ROWS = 100


@reads_from_replica
def report(request, slug: str):
    """A topic report: filters, the first rows on the page, the whole list as CSV or XLSX."""
    definition = reports.REPORTS.get(slug)
    if definition is None:
        raise Http404
    query = {key: value for key, value in request.GET.items() if key != "export" and value}
    form = definition.form(query or None, user=request.user)
    fmt = request.GET.get("export")
    if fmt and fmt not in exports.FORMATS:
        raise Http404
    if form.is_bound and not form.is_valid():
        # Errors next to the fields, no rows and no export: rows filtered by the other values
        # only would pass for the ones asked for.
        return render(
            request,
            "dashboards/report.html",
            {"form": form, "report": definition, "reports": reports.REPORTS.values()},
            status=400,
        )
    filters = form.cleaned_data if form.is_bound else {}
    rows = definition.rows(request.user, filters)
    columns = definition.columns()
    if fmt:
        export_record(
            actor=request.user,
            what="dashboards.report",
            fmt=fmt,
            query=request.GET.urlencode(),
            details={"report": slug},
        )
        return exports.export(fmt, rows, columns, stem=slug, sheet=str(definition.title))
    page = list(rows[: REPORT_PAGE_ROWS + 1])
    table = [[column[1](row) for column in columns] for row in page[:REPORT_PAGE_ROWS]]
    return render(
        request,
        "dashboards/report.html",
        {
            "form": form,
            "report": definition,
            "reports": reports.REPORTS.values(),
            "headers": [column[0] for column in columns],
            "headers_numeric": list(
                zip(
                    [column[0] for column in columns],
                    reports.numeric_columns(columns, table),
                    strict=True,
                )
            ),
            "table": table,
            "body": reports.page_body(definition, columns, page[:REPORT_PAGE_ROWS], table),
            # Over every row of the report, not only the page's: one aggregate query.
            "totals": reports.totals_row(rows, columns) if table else None,
            "more": len(page) > REPORT_PAGE_ROWS,
            "summary": definition.summary(rows) if definition.summary else None,
            "query": urlencode(query),
        },
    )
