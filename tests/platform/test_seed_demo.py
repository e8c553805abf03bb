import pytest
from django.core.management import CommandError, call_command

from accounts.demo import CAST, DEMO_PASSWORD
from accounts.models import Branch, User
from lending.authority_demo import COMMITTEE_MEMBERS


@pytest.mark.django_db
def test_seed_demo_creates_the_cast_and_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    # The cast and the people who fill the credit committees, once each however often run.
    assert User.objects.count() == len(CAST) + len(COMMITTEE_MEMBERS)
    assert Branch.objects.count() == 3
    alice = User.objects.get(username="alice")
    assert alice.check_password(DEMO_PASSWORD)
    assert alice.branch.name == "North"
    assert User.objects.get(username="charlie").branch.name == "South"
    assert User.objects.get(username="admin").is_superuser


@pytest.mark.django_db
def test_seed_demo_is_refused_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refused with DEBUG=0"):
        call_command("seed_demo")
    assert not User.objects.exists()
    # --force lifts the refusal; the cast is enough to show it (the book the command seeds
    # after the cast is the test above's).
    call_command("seed_demo", "--force", "--customers", "0")
    assert User.objects.filter(username="mary").exists()
