from django.contrib import admin
from django.urls import reverse


def test_every_admin_list_opens_for_the_admin(client_for, admin_user):
    client = client_for(admin_user)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url


def test_risk_officer_reads_the_risk_and_credit_admin(client_for, rita):
    client = client_for(rita)
    for url in (
        "/admin/risk/earlywarningrule/",
        "/admin/risk/alert/",
        "/admin/credit/scorecardversion/",
        "/admin/customers/customer/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/accounts/user/add/").status_code == 403
