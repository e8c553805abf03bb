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
    assert 'msgstr[0] ""\n' not in text
    assert "#, fuzzy" not in text


def test_compiled_catalogue_matches_the_source():
    with open(LOCALE / "django.mo", "rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog
    assert len(catalog) == po_entries(), "run `make messages` (or compile django.po) again"
