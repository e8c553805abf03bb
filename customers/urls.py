from django.urls import path

from customers import relation_views, screening_views, views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export/<str:fmt>/", views.customer_export, name="export"),
    path("new/", views.customer_create, name="create"),
    path("import/", views.customer_import, name="import"),
    path("filters/save/", views.saved_filter_save, name="filter-save"),
    path("screening/", screening_views.screening_queue, name="screening-queue"),
    path("screening/import/", screening_views.watch_list_import, name="screening-import"),
    path("screening/hits/<int:pk>/", screening_views.hit_detail, name="screening-hit"),
    path(
        "screening/hits/<int:pk>/confirm/",
        screening_views.hit_confirm,
        name="screening-hit-confirm",
    ),
    path(
        "screening/hits/<int:pk>/clearing/",
        screening_views.hit_clearing_propose,
        name="screening-hit-clearing",
    ),
    path(
        "screening/hits/<int:pk>/clearing/decide/",
        screening_views.hit_clearing_decide,
        name="screening-hit-decide",
    ),
    path("filters/<int:pk>/delete/", views.saved_filter_delete, name="filter-delete"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/transfer/", views.customer_transfer, name="transfer"),
    path("<int:pk>/reveal/", views.customer_reveal, name="reveal"),
    path("<int:pk>/contacts/new/", views.contact_add, name="contact-add"),
    path("<int:pk>/contacts/<int:contact_pk>/edit/", views.contact_edit, name="contact-edit"),
    path("<int:pk>/needs/new/", views.needs_add, name="needs-add"),
    path("<int:pk>/interactions/new/", views.interaction_add, name="interaction-add"),
    path("<int:pk>/follow-ups/new/", views.follow_up_add, name="follow-up-add"),
    path(
        "<int:pk>/follow-ups/<int:follow_up_pk>/complete/",
        views.follow_up_complete,
        name="follow-up-complete",
    ),
    path(
        "<int:pk>/follow-ups/<int:follow_up_pk>/undo/",
        views.follow_up_undo,
        name="follow-up-undo",
    ),
    path(
        "<int:pk>/follow-ups/<int:follow_up_pk>/cancel/",
        views.follow_up_cancel,
        name="follow-up-cancel",
    ),
    path("<int:pk>/complaints/new/", views.complaint_add, name="complaint-add"),
    path(
        "<int:pk>/complaints/<int:complaint_pk>/",
        views.complaint_update,
        name="complaint-update",
    ),
    path("<int:pk>/surveys/new/", views.survey_add, name="survey-add"),
    path("<int:pk>/relations/new/", relation_views.relation_add, name="relation-add"),
    path(
        "<int:pk>/relations/<int:relation_pk>/end/",
        relation_views.relation_end,
        name="relation-end",
    ),
]
