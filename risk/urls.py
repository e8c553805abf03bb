from django.urls import path

from risk import (
    conduct_views,
    facility_provision_views,
    group_manage_views,
    group_views,
    provision_views,
    views,
)

app_name = "risk"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("alerts/", views.alert_list, name="alert-list"),
    path("alerts/acknowledge/", views.alert_bulk_acknowledge, name="alert-bulk-acknowledge"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert-detail"),
    path("alerts/<int:pk>/assign/", views.alert_assign, name="alert-assign"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert-acknowledge"),
    path("alerts/<int:pk>/respond/", views.alert_respond, name="alert-respond"),
    path("alerts/<int:pk>/resolve/", views.alert_resolve, name="alert-resolve"),
    path("alerts/<int:pk>/dismiss/", views.alert_dismiss, name="alert-dismiss"),
    path(
        "loans/<int:loan_pk>/classification/",
        views.classification_override,
        name="classification-override",
    ),
    path(
        "loans/<int:loan_pk>/classification/proposals/<int:pk>/approve/",
        views.classification_proposal_approve,
        name="classification-proposal-approve",
    ),
    path(
        "loans/<int:loan_pk>/classification/proposals/<int:pk>/reject/",
        views.classification_proposal_reject,
        name="classification-proposal-reject",
    ),
    path(
        "loans/<int:loan_pk>/classification/proposals/<int:pk>/withdraw/",
        views.classification_proposal_withdraw,
        name="classification-proposal-withdraw",
    ),
    path("provisions/", provision_views.provisions, name="provisions"),
    path("provisions/loans/", provision_views.provision_loans, name="provision-loans"),
    path("provisions/run/", provision_views.provision_run, name="provision-run"),
    path(
        "provisions/facilities/",
        facility_provision_views.provision_facilities,
        name="provision-facilities",
    ),
    path("groups/", group_manage_views.group_list, name="group-list"),
    path("groups/new/", group_manage_views.group_create, name="group-create"),
    path("groups/<int:pk>/", group_views.group_detail, name="group-detail"),
    path("groups/<int:pk>/edit/", group_manage_views.group_edit, name="group-edit"),
    path(
        "groups/<int:pk>/members/new/",
        group_manage_views.group_member_add,
        name="group-member-add",
    ),
    path(
        "groups/<int:pk>/members/<int:customer_pk>/remove/",
        group_manage_views.group_member_remove,
        name="group-member-remove",
    ),
    path("conduct/<int:pk>/", conduct_views.conduct_alert, name="conduct-alert"),
    path("customers/<int:customer_pk>/signals/new/", views.signal_add, name="signal-add"),
    path(
        "customers/<int:customer_pk>/signals/<int:pk>/withdraw/",
        views.signal_withdraw,
        name="signal-withdraw",
    ),
]
