from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts import views as accounts_views
from accounts.two_factor import PendingStep, reachable_during
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
    # Lending's pages keep the /credit/ paths they had before it was an app of its own.
    path("credit/", include("lending.urls")),
    path("risk/", include("risk.urls")),
    path("documents/", include("customers.document_urls")),
    path("dashboard/", include("dashboards.urls")),
    path("accounts/login/", accounts_views.LoginView.as_view(), name="login"),
    # Logging out stays possible in the middle of the second step.
    path(
        "accounts/logout/",
        reachable_during(*PendingStep)(accounts_views.LogoutView.as_view()),
        name="logout",
    ),
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
    path("accounts/two-factor/", accounts_views.two_factor_settings, name="two-factor"),
    path("accounts/two-factor/verify/", accounts_views.two_factor_verify, name="two-factor-verify"),
    path("accounts/two-factor/enrol/", accounts_views.two_factor_enrol, name="two-factor-enrol"),
    path(
        "accounts/two-factor/confirm/",
        accounts_views.two_factor_confirm,
        name="two-factor-confirm",
    ),
    path(
        "accounts/two-factor/disable/",
        accounts_views.two_factor_disable,
        name="two-factor-disable",
    ),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
