"""Interface text in English and Spanish: Babel catalogs, read from the .po files at start.

The pack carries its own patient text in both languages; these catalogs cover the pages'
words. Compiling in memory means no generated .mo files to forget to rebuild.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from importlib.resources import files

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("en", "es")
NAMES = {"en": "English", "es": "Español"}
DOMAIN = "messages"


def catalog_path(lang: str) -> str:
    return str(files("candid.web").joinpath("locale", lang, "LC_MESSAGES", f"{DOMAIN}.po"))


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


def ngettext_for(lang: str) -> Callable[[str, str, int], str]:
    """Plural forms by the catalog's own rule (Plural-Forms), not a guess from English."""
    return translations(lang if lang in LANGUAGES else "en").ngettext


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
