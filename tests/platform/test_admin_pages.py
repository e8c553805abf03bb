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


def test_large_changelists_page_without_counting_the_table(
    client_for, admin_user, alice, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from audit.admin_mixins import EstimatedCountPaginator
    from tests.customers import factories

    for number in range(3):
        factories.individual(alice, name=f"客户{number}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")
    client = client_for(admin_user)
    url = reverse("admin:customers_customer_changelist")

    # Small results are counted exactly.
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).context["cl"].result_count == 3
    assert any("COUNT(" in query["sql"].upper() for query in small.captured_queries)

    # Past the threshold the planner's estimate stands in for COUNT(*).
    monkeypatch.setattr(EstimatedCountPaginator, "exact_up_to", 0)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.status_code == 200
    assert not any("COUNT(" in query["sql"].upper() for query in large.captured_queries)
    assert response.context["cl"].result_count >= 1


def test_admin_customer_search_is_the_product_search(client_for, admin_user, alice):
    from tests.customers import factories

    wang = factories.individual(alice, name="王小明", phone="13800138000")
    factories.individual(alice, name="李四", phone="13900139000")
    client = client_for(admin_user)
    url = reverse("admin:customers_customer_changelist")

    def found(term: str) -> set[str]:
        return {c.name for c in client.get(url, {"q": term}).context["cl"].result_list}

    assert found("小明") == {"王小明"}
    # Encrypted identifiers are found whole, through their keyed hashes.
    assert found("138 0013 8000") == {"王小明"}
    assert found(wang.resident_id) == {"王小明"}
    assert found(wang.resident_id[-4:]) == {"王小明"}
    assert found("1380013") == set()
