from django.urls import path

from customers import document_views

app_name = "documents"

urlpatterns = [
    path("<int:pk>/", document_views.document_download, name="download"),
    path("<int:pk>/delete/", document_views.document_delete, name="delete"),
    path("<str:kind>/<int:owner_pk>/", document_views.owner_documents, name="owner"),
    path("<str:kind>/<int:owner_pk>/upload/", document_views.document_upload, name="upload"),
]
