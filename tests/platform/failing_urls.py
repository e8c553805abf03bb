from django.urls import path

from crm_site.urls import urlpatterns as project_urlpatterns


def explode(request):
    raise RuntimeError("deliberate failure for the 500 page test")


urlpatterns = [path("boom/", explode), *project_urlpatterns]
