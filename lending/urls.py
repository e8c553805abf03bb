from django.urls import path

from lending import views
from lending.views import collections as collection_views
from lending.views import inspections as inspection_views
from lending.views import legal_cases as legal_views
from lending.views import reminders as reminder_views
from lending.views import write_offs

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
        "applications/<int:pk>/recommend/",
        views.application_recommend,
        name="application-recommend",
    ),
    path(
        "applications/<int:pk>/committee-vote/",
        views.application_committee_vote,
        name="application-committee-vote",
    ),
    path(
        "applications/<int:pk>/withdraw/", views.application_withdraw, name="application-withdraw"
    ),
    path(
        "applications/<int:pk>/disburse/", views.application_disburse, name="application-disburse"
    ),
    path("applications/<int:pk>/collateral/new/", views.collateral_add, name="collateral-add"),
    path("applications/<int:pk>/guarantors/new/", views.guarantor_add, name="guarantor-add"),
    path(
        "customers/<int:customer_pk>/facilities/new/",
        views.facility_create,
        name="facility-create",
    ),
    path("facilities/<int:pk>/", views.facility_detail, name="facility-detail"),
    path("facilities/<int:pk>/approve/", views.facility_approve, name="facility-approve"),
    path("facilities/<int:pk>/activate/", views.facility_activate, name="facility-activate"),
    path("facilities/<int:pk>/freeze/", views.facility_freeze, name="facility-freeze"),
    path("facilities/<int:pk>/unfreeze/", views.facility_unfreeze, name="facility-unfreeze"),
    path("facilities/<int:pk>/close/", views.facility_close, name="facility-close"),
    path("facilities/<int:pk>/review/", views.facility_review, name="facility-review"),
    path("facilities/<int:pk>/raise/", views.facility_raise, name="facility-raise"),
    path(
        "facilities/<int:pk>/raises/<int:change_pk>/approve/",
        views.limit_change_approve,
        name="limit-change-approve",
    ),
    path(
        "facilities/<int:pk>/raises/<int:change_pk>/reject/",
        views.limit_change_reject,
        name="limit-change-reject",
    ),
    path("loans/", views.loan_list, name="loan-list"),
    path("loans/import/", views.portfolio_import, name="portfolio-import"),
    path("loans/export/<str:fmt>/", views.loan_export, name="loan-export"),
    path("loans/<int:pk>/", views.loan_detail, name="loan-detail"),
    # Post-loan inspections (lending/views/inspections.py).
    path("inspections/", inspection_views.inspections_due, name="inspection-list"),
    path("inspections/<int:pk>/", inspection_views.inspection_detail, name="inspection-detail"),
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
    # Collections (催收): lending/views/collections.py.
    path("collections/", collection_views.collection_queue, name="collection-queue"),
    # Legal cases of collections (法律诉讼): lending/views/legal_cases.py.
    path("collections/<int:pk>/legal/", legal_views.legal_case_open, name="legal-case-open"),
    path("legal-cases/<int:pk>/", legal_views.legal_case_detail, name="legal-case"),
    path("legal-cases/<int:pk>/<slug:step>/", legal_views.legal_case_step, name="legal-case-step"),
    path("collections/<int:pk>/", collection_views.collection_case_detail, name="collection-case"),
    path(
        "collections/<int:pk>/contacts/",
        collection_views.collection_contact_record,
        name="collection-contact",
    ),
    path(
        "collections/<int:pk>/assign/",
        collection_views.collection_case_assign,
        name="collection-assign",
    ),
    # Write-off (核销): lending/views/write_offs.py.
    path("loans/<int:pk>/write-off/", write_offs.write_off_propose, name="write-off-propose"),
    path("write-offs/queue/", write_offs.write_off_queue, name="write-off-queue"),
    path(
        "write-offs/proposals/<int:proposal_pk>/approve/",
        write_offs.write_off_approve,
        name="write-off-approve",
    ),
    path(
        "write-offs/proposals/<int:proposal_pk>/reject/",
        write_offs.write_off_reject,
        name="write-off-reject",
    ),
    path(
        "write-offs/proposals/<int:proposal_pk>/withdraw/",
        write_offs.write_off_withdraw,
        name="write-off-withdraw",
    ),
    path("write-offs/", write_offs.written_off_list, name="written-off-list"),
    path("write-offs/<int:pk>/", write_offs.written_off_detail, name="written-off-detail"),
    path(
        "write-offs/<int:pk>/recoveries/new/",
        write_offs.recovery_record,
        name="write-off-recovery",
    ),
    path(
        "write-offs/<int:pk>/reverse/",
        write_offs.write_off_reversal_propose,
        name="write-off-reversal-propose",
    ),
    path(
        "write-offs/reversals/<int:proposal_pk>/approve/",
        write_offs.write_off_reversal_approve,
        name="write-off-reversal-approve",
    ),
    path(
        "write-offs/reversals/<int:proposal_pk>/reject/",
        write_offs.write_off_reversal_reject,
        name="write-off-reversal-reject",
    ),
    path(
        "write-offs/reversals/<int:proposal_pk>/withdraw/",
        write_offs.write_off_reversal_withdraw,
        name="write-off-reversal-withdraw",
    ),
    path(
        "customers/<int:customer_pk>/reminders/",
        reminder_views.customer_reminders,
        name="customer-reminders",
    ),
    path(
        "customers/<int:customer_pk>/reminders/opt-out/",
        reminder_views.customer_reminder_opt_out,
        name="customer-reminder-opt-out",
    ),
]
