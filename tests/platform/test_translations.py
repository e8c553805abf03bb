import gettext
import re
from pathlib import Path

from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries() -> int:
    return len(re.findall(r"^msgid ", (LOCALE / "django.po").read_text(), flags=re.M))


def test_every_string_in_the_catalogue_is_translated():
    text = (LOCALE / "django.po").read_text()
    # An untranslated entry is `msgstr ""` followed by a blank line (the header is the first).
    untranslated = re.findall(r'^msgid (.+?)\nmsgstr ""\n\n', text, flags=re.M | re.S)
    assert untranslated[1:] == []
    # A long translation wraps: `msgstr[0] ""` then its text on the following lines.
    assert not re.search(r'^msgstr\[0\] ""\n(?!")', text, flags=re.M)
    assert "#, fuzzy" not in text


def test_compiled_catalogue_matches_the_source():
    with open(LOCALE / "django.mo", "rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog
    assert len(catalog) == po_entries(), "run `make messages` (or compile django.po) again"


def seeded_reference_texts() -> set[str]:
    """Every English text the installation seeds into reference data users see."""
    from django_celery_beat.models import PeriodicTask

    from accounts.models import Branch
    from credit.models import ScorecardVersion
    from lending.models import LoanProduct
    from risk.models import EarlyWarningRule, RiskLevelStrategy

    texts = set()
    for rule in EarlyWarningRule.objects.all():
        texts |= {rule.name, rule.suggested_response, rule.description}
    for strategy in RiskLevelStrategy.objects.all():
        texts |= {strategy.pricing, strategy.collateral, strategy.monitoring}
    texts |= set(Branch.objects.values_list("name", flat=True))
    # The schedules of the jobs, listed by name in admin.
    texts |= set(PeriodicTask.objects.values_list("name", flat=True))
    texts |= set(LoanProduct.objects.values_list("name", flat=True))
    for version in ScorecardVersion.objects.all():
        texts.add(version.name)
        for factor in version.definition["factors"]:
            texts.add(factor["label"])
            if factor["type"] == "categorical":
                texts |= {b["label"] for b in factor["bins"]}
    # Numeric ranges and text already in Chinese need no catalogue entry.
    return {
        text
        for text in texts
        if text and not re.search(r"[\u4e00-\u9fff]", text) and re.search(r"[A-Za-z]", text)
    }


def test_seeded_reference_data_reads_in_chinese(db):
    from django.utils import translation

    from crm_site.reference_texts import REFERENCE_TEXTS

    seeded = seeded_reference_texts()
    assert seeded, "the data migrations seed reference data"
    assert seeded <= set(REFERENCE_TEXTS), "add them to crm_site/reference_texts.py"
    with translation.override("zh-hans"):
        untranslated = [text for text in seeded if translation.gettext(text) == text]
    assert untranslated == []
