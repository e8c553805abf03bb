"""Every page reads in Chinese for a user who chose zh-hans: no raw code, no English sentence.

Each role signs in to the access tests' shared book (tests/platform/access_book.py) and opens
every page the access matrix (tests/platform/access_matrix.py) lets it open, with Django
admin's index, app pages and lists. The visible text of each page (text nodes, without
<script>, <style> and the values inside <textarea>, which are data as people typed it) must
not show:

- a raw code: a snake_case identifier (`loans_added`), a dotted audit action
  (`accounts.user.logged_in`), a job (`risk.nightly`), or a choice stored in English and shown
  as stored ("medium", "done");
- an English sentence: three English words in a row.

What is shown as it was stored is no interface text and is left out first (typed_in_book):
names, the book's typed phrases, the industries' English names, the trail's object labels,
and the import files' column names.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from accounts.models import User
from tests.platform.access_book import MARKERS as PORTFOLIO_MARKERS
from tests.platform.access_matrix import MATRIX
from tests.platform.test_access_matrix import build_url, client_for, expected_outcome

LANGUAGE = "zh-hans"

SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# Not inside an e-mail address or a host name (alice@demo.xindai.example).
DOTTED_CODE = re.compile(
    r"(?<![@\w.])(?:[a-z_]+\.[a-z_]+(?:\.[a-z_]+)+|risk\.(?:nightly|scan))\b(?![@.\w])"
)
# Choices the product stores in English (risk levels, alert and follow-up and job statuses,
# severities), shown as stored instead of by their label.
RAW_CHOICES = re.compile(
    r"\b(?:low|medium|high|open|done|running|failed|released|acknowledged|in_progress|"
    r"resolved|dismissed|yellow|orange|red|pending|approved|rejected|withdrawn|draft|"
    r"submitted|disbursed|established|stable|positive|negative|leader|niche|weak)\b"
)
ENGLISH_RUN = re.compile(r"\b[A-Za-z][A-Za-z'’]*(?:[ ,:;\-]+[A-Za-z][A-Za-z'’]*){2,}\b")

# Text shown as people typed it in the shared book: the portfolios' marker words (every name
# of a portfolio carries one) and the few free-text phrases the book types (comments and
# reasons, tests/platform/access_book.py). Data is shown as typed, in any language.
TYPED_IN_THE_BOOK = {
    "Known for years",
    "Clean record",
    "Fraud suspected",
    "Fraud ruled out",
    "Three calls logged; no assets found",  # a write-off's evidence, typed by the officer
}
MARKERS = set(PORTFOLIO_MARKERS.values())


def import_columns() -> set[str]:
    """The column names of the import files: the file's header must use them as they are,
    so the import pages name them as they are."""
    from customers.importer import COLUMNS
    from customers.screening import COLUMNS as WATCH_LIST_COLUMNS
    from lending.importer import LOAN_COLUMNS, REPAYMENT_COLUMNS

    return {*COLUMNS, *WATCH_LIST_COLUMNS, *LOAN_COLUMNS, *REPAYMENT_COLUMNS}


IMPORT_COLUMNS = import_columns()


class VisibleText(HTMLParser):
    """The text nodes a reader sees, one string per node."""

    HIDDEN = {"script", "style", "textarea", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden_depth = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden_depth += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self.hidden_depth:
            self.texts.append(text)


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


def problems_in(texts: list[str], data: set[str]) -> list[str]:
    """What reads as untranslated in `texts`; `data` is what people typed (names, notes)."""
    found = []
    for text in texts:
        if {item.strip() for item in text.split(",")} <= IMPORT_COLUMNS:
            continue  # an import file's header, which must be typed as it is
        shown = text
        for typed in sorted(data, key=len, reverse=True):
            if typed and typed in shown:
                shown = shown.replace(typed, " ")
        codes = [
            match.group(0)
            for pattern in (DOTTED_CODE, SNAKE_CASE)
            for match in pattern.finditer(shown)
            if match.group(0) not in IMPORT_COLUMNS
        ]
        if codes:
            found.append(f"code {codes[0]!r} in {text!r}")
        elif match := RAW_CHOICES.search(shown):
            found.append(f"raw choice {match.group(0)!r} in {text!r}")
        elif match := next(
            (m for m in ENGLISH_RUN.finditer(shown) if not any(w in m.group(0) for w in MARKERS)),
            None,
        ):
            found.append(f"English {match.group(0)!r} in {text!r}")
    return found


# Of Django admin, the pages people work in: the index, each app's page and each model's
# list. The change pages whose texts come from Django and the packages (permission names,
# lockout records, job schedules) have a test of their own below.
def _admin_page_checked(key: str) -> bool:
    return key in ("admin:index", "admin:app_list") or key.endswith("_changelist")


def pages_for(book, username: str):
    """Every GET the matrix lets `username` open on their own portfolio's data."""
    for key, access in MATRIX.items():
        if "GET" not in access.methods or access.public:
            continue
        if access.admin and not _admin_page_checked(key):
            continue
        statuses, _redirect, refused = expected_outcome(key, access, "GET", username, "north")
        if refused or 200 not in statuses:
            continue
        yield key, build_url(key, access, book, "north"), access.query


def typed_in_book() -> set[str]:
    """What the pages show as it was stored: the names of the book's people and customers,
    the phrases it types, the industries' and document types' English names (their lists
    show both names, each in its column) and the audit trail's object labels (written once,
    append-only)."""
    from audit.models import AuditEvent
    from customers.document_models import DocumentType
    from customers.models import Customer, Industry

    names = set(Customer.objects.values_list("name", flat=True))
    for user in User.objects.all():
        names |= {user.get_username(), user.get_full_name(), str(user)}
    names |= set(Industry.objects.values_list("name_en", flat=True))
    names |= set(DocumentType.objects.values_list("name_en", flat=True))
    names |= set(AuditEvent.objects.values_list("object_label", flat=True))
    return names | TYPED_IN_THE_BOOK


@pytest.mark.parametrize("username", ["alice", "mary", "rita", "admin"])
def test_every_page_reads_in_chinese(access_book, db, username):
    User.objects.filter(username=username).update(language=LANGUAGE)
    client = client_for(access_book, username)
    typed = typed_in_book()
    failures = []
    for key, url, query in pages_for(access_book, username):
        response = client.get(url, query)
        if not response["Content-Type"].startswith("text/html"):
            continue
        assert response.status_code == 200, f"{url}: {response.status_code}"
        for problem in problems_in(visible_texts(response.content.decode()), typed):
            failures.append(f"{key} {url}: {problem}")
    assert not failures, f"{len(failures)} untranslated texts:\n" + "\n".join(failures)


def test_the_check_finds_what_it_looks_for():
    """The detectors themselves: a raw code, a raw choice and an English sentence are found;
    Chinese with figures, dates and grades is not."""
    html = (
        "<p>loans_added 41</p><p>用户 accounts.user.logged_in</p><p>风险等级: medium → high</p>"
        "<p>Review the assessment now</p><script>var a_b = 1;</script>"
        "<p>五级分类: 正常 → 损失 · AAA · 2026-11-18 · ¥1,200.00 · PSI 0.31</p>"
    )
    problems = problems_in(visible_texts(html), set())
    assert len(problems) == 4, problems


def admin_detail_pages() -> list[str]:
    """The change pages of admin whose texts come from Django and the packages rather than
    the product: a user, a permission group, the login-lockout records (django-axes) and a
    job schedule (django-celery-beat)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group
    from django.urls import reverse
    from django.utils import timezone
    from django_celery_beat.models import PeriodicTask

    now = timezone.now()
    seen = {"username": "alice", "ip_address": "10.0.0.8", "user_agent": "Chrome"}
    attempt = AccessAttempt.objects.create(
        **seen, attempt_time=now, failures_since_start=2, get_data="", post_data=""
    )
    log = AccessLog.objects.create(**seen, attempt_time=now, logout_time=now)
    failure = AccessFailureLog.objects.create(**seen, attempt_time=now, locked_out=True)
    alice = User.objects.get(username="alice")
    return [
        reverse("admin:accounts_user_change", args=[alice.pk]),
        reverse("admin:auth_group_change", args=[Group.objects.order_by("pk").first().pk]),
        reverse("admin:axes_accessattempt_change", args=[attempt.pk]),
        reverse("admin:axes_accesslog_change", args=[log.pk]),
        reverse("admin:axes_accessfailurelog_change", args=[failure.pk]),
        reverse(
            "admin:django_celery_beat_periodictask_change",
            args=[PeriodicTask.objects.order_by("pk").first().pk],
        ),
    ]


AXES_TITLES = ("Attempted Access", "Access Log for", "Failed access")


def test_admin_detail_pages_read_in_chinese(client, admin_user):
    """Permission names in the group's (and user's) permission widgets, the lockout records'
    titles and the job schedule's help texts, in Chinese as the rest of admin."""
    admin_user.language = LANGUAGE
    admin_user.save(update_fields=["language"])
    client.force_login(admin_user)
    typed = typed_in_book()
    failures = []
    for url in admin_detail_pages():
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        for problem in problems_in(visible_texts(page), typed):
            failures.append(f"{url}: {problem}")
        # django-axes's own record titles, too short for the English detector.
        failures += [f"{url}: {title!r}" for title in AXES_TITLES if title in page]
    assert not failures, f"{len(failures)} untranslated texts:\n" + "\n".join(failures)
