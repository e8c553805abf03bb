from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts import views as accounts_views
from crm_site.health import healthz
from customers import views as customer_views

admin.site.site_header = _("Xindai CRM administration")
admin.site.site_title = _("Xindai CRM")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", accounts_views.home, name="home"),
    path("today/", customer_views.today, name="today"),
    path("customers/", include("customers.urls")),
    path("credit/", include("credit.urls")),
    path("risk/", include("risk.urls")),
    path("dashboard/", include("dashboards.urls")),
    path("accounts/login/", accounts_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        accounts_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/language/", accounts_views.set_language, name="set-language"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
