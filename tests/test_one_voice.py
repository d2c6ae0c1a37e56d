"""One voice: one word for one thing in every language a person reads (UK English; neutral
Spanish), as docs/glossary.yaml lists them and docs/glossary.md explains."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from candid.knowledge.learn import load_learn
from candid.knowledge.models import Pack, Text

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY: dict[str, list[dict[str, str]]] = yaml.safe_load(
    (ROOT / "docs" / "glossary.yaml").read_text(encoding="utf-8")
)


def texts(node: Any, lang: str) -> Iterator[str]:
    """Every string a person can read in one language in a pack model: Text fields, and (in
    English) the notes and estimates shown on the evidence page."""
    if isinstance(node, Text):
        yield node.get(lang)
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            value = getattr(node, name)
            if name in ("note", "estimate") and isinstance(value, str):
                if lang == "en":
                    yield value
            else:
                yield from texts(value, lang)
    elif isinstance(node, dict):
        for value in node.values():
            yield from texts(value, lang)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from texts(value, lang)


CASES = [
    (lang, entry["avoid"], entry["use"]) for lang, items in GLOSSARY.items() for entry in items
]


@pytest.mark.parametrize(("lang", "avoid", "use"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_one_word_for_one_thing(pack: Pack, lang: str, avoid: str, use: str) -> None:
    said = [*texts(pack, lang), *texts(load_learn(), lang)]
    assert len(said) > 500
    found = [t for t in said if re.search(avoid, t)]
    assert not found, f"{lang}: use {use!r}: {found[:3]}"


def test_the_glossary_covers_every_language_of_the_pack(pack: Pack) -> None:
    assert set(GLOSSARY) == set(pack.meta.languages)
