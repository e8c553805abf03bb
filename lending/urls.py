from django.urls import path

from lending import views

# Mounted under /credit/ as before lending was an app of its own: bookmarks keep working.
app_name = "lending"

urlpatterns = [
    path(
        "customers/<int:customer_pk>/applications/new/",
        views.application_create,
        name="application-create",
    ),
    path("applications/", views.application_list, name="application-list"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application-edit"),
    path("applications/<int:pk>/submit/", views.application_submit, name="application-submit"),
    path("applications/<int:pk>/review/", views.application_review, name="application-review"),
    path("applications/<int:pk>/approve/", views.application_approve, name="application-approve"),
    path("applications/<int:pk>/reject/", views.application_reject, name="application-reject"),
    path(
        "applications/<int:pk>/withdraw/", views.application_withdraw, name="application-withdraw"
    ),
    path(
        "applications/<int:pk>/disburse/", views.application_disburse, name="application-disburse"
    ),
    path("applications/<int:pk>/collateral/new/", views.collateral_add, name="collateral-add"),
    path("applications/<int:pk>/guarantors/new/", views.guarantor_add, name="guarantor-add"),
    path("loans/", views.loan_list, name="loan-list"),
    path("loans/import/", views.portfolio_import, name="portfolio-import"),
    path("loans/export/<str:fmt>/", views.loan_export, name="loan-export"),
    path("loans/<int:pk>/", views.loan_detail, name="loan-detail"),
    path("loans/<int:pk>/repayments/new/", views.repayment_post, name="repayment-post"),
    path(
        "loans/<int:pk>/repayments/<int:repayment_pk>/reverse/",
        views.repayment_reverse,
        name="repayment-reverse",
    ),
    path("loans/<int:pk>/restructure/", views.loan_restructure, name="loan-restructure"),
    path(
        "loans/<int:pk>/restructurings/<int:proposal_pk>/approve/",
        views.restructuring_approve,
        name="restructuring-approve",
    ),
    path(
        "loans/<int:pk>/restructurings/<int:proposal_pk>/reject/",
        views.restructuring_reject,
        name="restructuring-reject",
    ),
    path(
        "loans/<int:pk>/restructurings/<int:proposal_pk>/withdraw/",
        views.restructuring_withdraw,
        name="restructuring-withdraw",
    ),
    path(
        "loans/<int:pk>/reversals/<int:proposal_pk>/approve/",
        views.reversal_approve,
        name="reversal-approve",
    ),
    path(
        "loans/<int:pk>/reversals/<int:proposal_pk>/reject/",
        views.reversal_reject,
        name="reversal-reject",
    ),
    path(
        "loans/<int:pk>/reversals/<int:proposal_pk>/withdraw/",
        views.reversal_withdraw,
        name="reversal-withdraw",
    ),
    path(
        "loans/<int:pk>/collateral/<int:collateral_pk>/revalue/",
        views.collateral_revalue,
        name="collateral-revalue",
    ),
]
