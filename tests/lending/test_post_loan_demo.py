"""The demo book's post-loan work (issue 24): `seed_demo` leaves a collections queue with
cases in every stage, a promise to pay and a legal case, and post-loan inspections due soon
and overdue; run again, it adds nothing."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.business_date import business_date
from lending.models import (
    CollectionCase,
    CollectionStage,
    Inspection,
    LegalAsset,
    LegalCase,
    PromiseToPay,
)


def post_loan_rows() -> dict:
    return {
        "cases": list(CollectionCase.objects.order_by("id").values_list("id", "stage_id")),
        "promises": list(PromiseToPay.objects.order_by("id").values_list("id", "amount")),
        "legal_cases": list(LegalCase.objects.order_by("id").values_list("id", "case_number")),
        "assets": list(LegalAsset.objects.order_by("id").values_list("id", "value")),
        "inspections": list(
            Inspection.objects.order_by("id").values_list("id", "status", "due_on")
        ),
    }


@pytest.mark.django_db
def test_the_demo_shows_a_collections_queue_and_inspections_once(settings, client):
    settings.DEBUG = True
    call_command("seed_demo", "--customers", "24", "--seed", "3")
    rows = post_loan_rows()
    on = business_date()

    open_cases = CollectionCase.objects.filter(status="open")
    assert set(open_cases.values_list("stage__code", flat=True)) == set(
        CollectionStage.objects.values_list("code", flat=True)
    )
    (promise,) = PromiseToPay.objects.select_related("case")
    assert (promise.status, promise.case.status) == ("open", "open")
    (legal_case,) = LegalCase.objects.select_related("collection_case__stage")
    assert legal_case.collection_case.stage.code == "legal"
    assert legal_case.assets.count() == 1
    due = Inspection.objects.filter(status="due")
    assert due.filter(due_on__lt=on).count() == 1
    assert due.filter(due_on__gte=on, due_on__lte=on + dt.timedelta(days=30)).exists()

    call_command("seed_demo", "--customers", "24", "--seed", "3")
    assert post_loan_rows() == rows

    officer = legal_case.customer.officer
    client.force_login(officer)
    queue = client.get(reverse("lending:collection-queue"))
    assert queue.status_code == 200
    case_page = client.get(reverse("lending:collection-case", args=[legal_case.collection_case_id]))
    assert reverse("lending:legal-case", args=[legal_case.pk]) in case_page.content.decode()
    assert client.get(reverse("lending:legal-case", args=[legal_case.pk])).status_code == 200
