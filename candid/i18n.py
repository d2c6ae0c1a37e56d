"""Interface text in English and Spanish: one Babel catalog for every surface (pages,
terminal, FHIR and CDS Hooks wording), read from the .po files on first use.

The packs carry their own patient text in each language; this catalog covers the words of
the software around them. Compiling in memory means no generated .mo files to forget to
rebuild. A leaf module like `candid.settings`: it imports nothing from Candid, so every layer
may use it (docs/architecture.md).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

SOURCE = "en"
"""The language the messages are written in; every other has a catalog in candid/locale."""
LANGUAGES = (
    SOURCE,
    *sorted(
        p.name
        for p in Path(str(files("candid").joinpath("locale"))).iterdir()
        if (p / "LC_MESSAGES").is_dir()
    ),
)
"""English and each language with a catalog (a test checks they are the packs' languages)."""
NAMES = {"en": "English", "es": "Español"}
DOMAIN = "messages"


def catalog_path(lang: str) -> str:
    return str(files("candid").joinpath("locale", lang, "LC_MESSAGES", f"{DOMAIN}.po"))


@cache
def translations(lang: str) -> NullTranslations:
    if lang == "en":
        return NullTranslations()
    with open(catalog_path(lang), "rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN)


def gettext_for(lang: str) -> Callable[[str], str]:
    return translations(lang if lang in LANGUAGES else "en").gettext


def tr(lang: str, message: str) -> str:
    """`message` in `lang`, for code that builds text for one request's language (terminal,
    FHIR, CDS Hooks); `make messages` extracts its second argument."""
    return gettext_for(lang)(message)


def ngettext_for(lang: str) -> Callable[[str, str, int], str]:
    """Plural forms by the catalog's own rule (Plural-Forms), not a guess from English."""
    return translations(lang if lang in LANGUAGES else "en").ngettext


def number(value: float, lang: str) -> str:
    """A count or measure as the language writes it (1,234 in English, 1234 or 12.345 in
    Spanish, whose grouping starts at five digits)."""
    return str(format_decimal(value, locale=lang if lang in LANGUAGES else "en"))


@cache
def _percent_pattern(lang: str, decimals: int) -> str:
    """The language's own percent pattern ("#,##0%", "#,##0\u00a0%") with fixed decimals."""
    pattern = Locale.parse(lang).percent_formats[None].pattern
    return (
        re.sub(r"0(?=[^0#,]*$)", "0." + "0" * decimals, pattern, count=1) if decimals else pattern
    )


def percent(value: float, lang: str, decimals: int = 1) -> str:
    """A proportion (0.912) as a percentage the language writes: 91.2% in English, 91,2 % in
    Spanish (a decimal comma and a no-break space before the sign)."""
    lang = lang if lang in LANGUAGES else "en"
    return str(format_percent(value, _percent_pattern(lang, decimals), locale=lang))


_LAST = "\U0010ffff"


def collation_key(text: str, lang: str) -> tuple[str, tuple[str, ...], tuple[bool, ...]]:
    """Sort text the way a reader of `lang` expects, without ICU: letters compare without
    case or accents first (Çekmez among the Cs, Álvarez among the As), then by accent, then
    by case (lower first). In Spanish, ñ is its own letter after n (nz < ña < o)."""
    base: list[str] = []
    accents: list[str] = []
    upper: list[bool] = []
    for ch in text:
        folded = ch.casefold()
        if lang == "es" and folded == "ñ":
            base.append("n" + _LAST)
            accents.append("")
        else:
            parts = unicodedata.normalize("NFD", folded)
            base.append("".join(c for c in parts if not unicodedata.combining(c)))
            accents.append("".join(c for c in parts if unicodedata.combining(c)))
        upper.append(ch != folded)
    return "".join(base), tuple(accents), tuple(upper)


def pick_language(query: str | None, cookie: str | None, accept: str | None) -> str:
    """An explicit choice (link), then the remembered one, then the browser's preference."""
    for choice in (query, cookie):
        if choice in LANGUAGES:
            return choice
    if accept:
        for part in accept.split(","):
            tag = part.split(";")[0].strip().lower()[:2]
            if tag in LANGUAGES:
                return tag
    return "en"
