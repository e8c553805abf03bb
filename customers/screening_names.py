"""Names as watch-list screening compares them (pure: no Django).

A listed "張偉", a customer typed as "张 伟" and a full-width "ＺＨＡＮＧ　Ｗｅｉ" must meet their
"Zhang Wei" counterparts, so both sides are brought to one key:
- full-width letters, digits and spaces become their half-width forms (Unicode NFKC);
- traditional characters become simplified (OpenCC's t2s dictionary, the reference
  conversion maintained with the Chinese Wikipedia; its C++ binding does a million names in
  seconds, which a rescreen of the whole book needs);
- Latin case is folded;
- spaces, punctuation and symbols (the middle dot of transliterated names "·", hyphens,
  commas, brackets) are removed.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import opencc

# Unicode general categories dropped from a key: separators (Z*), punctuation (P*),
# symbols (S*), and control and format characters (C*).
_DROPPED_CATEGORIES = ("Z", "P", "S", "C")


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalise_name(name: str) -> str:
    """The key a name is matched by; "" for a name with no letters or digits."""
    half_width = unicodedata.normalize("NFKC", name or "")
    simplified = _to_simplified().convert(half_width)
    folded = simplified.casefold()
    return "".join(
        character
        for character in folded
        if not unicodedata.category(character).startswith(_DROPPED_CATEGORIES)
    )


def name_keys(name: str, aliases: list[str]) -> list[str]:
    """The distinct non-empty keys of a name and its aliases, the name's first."""
    keys = [normalise_name(name), *(normalise_name(alias) for alias in aliases)]
    return list(dict.fromkeys(key for key in keys if key))
