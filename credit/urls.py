from django.urls import path

from credit import bureau_views, views

app_name = "credit"

urlpatterns = [
    path("customers/<int:customer_pk>/statements/new/", views.statement_add, name="statement-add"),
    path("customers/<int:customer_pk>/assess/", views.assess, name="assess"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment-detail"),
    path(
        "customers/<int:customer_pk>/bureau/consent/",
        bureau_views.consent_add,
        name="bureau-consent-add",
    ),
    path(
        "customers/<int:customer_pk>/bureau/reports/new/",
        bureau_views.report_add,
        name="bureau-report-add",
    ),
    path(
        "customers/<int:customer_pk>/bureau/reports/import/",
        bureau_views.report_import,
        name="bureau-report-import",
    ),
    path("bureau-reports/<int:pk>/", bureau_views.report_detail, name="bureau-report"),
    path("scorecards/", views.scorecard_list, name="scorecard-list"),
    path(
        "scorecards/<int:pk>/monitoring/",
        views.scorecard_monitoring,
        name="scorecard-monitoring",
    ),
    path(
        "scorecards/<int:pk>/monitoring/refresh/",
        views.scorecard_monitoring_refresh,
        name="scorecard-monitoring-refresh",
    ),
    path(
        "scorecards/<int:pk>/compare/",
        views.scorecard_compare,
        name="scorecard-compare",
    ),
    path(
        "scorecard-alerts/<int:pk>/<str:action>/",
        views.scorecard_alert_update,
        name="scorecard-alert-update",
    ),
]
