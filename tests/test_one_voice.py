"""One voice: the English a person reads is UK English throughout (Candid's pages follow
NHS.UK style, with 999 and 111 as default numbers), and one word stands for one thing. The
Spanish side has its own glossary check in the same spirit (docs/knowledge-pack.md)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from candid.knowledge.learn import load_learn
from candid.knowledge.models import Pack, Text

# US spelling or wording -> the UK form the pack uses. Fact and cause ids are not text.
US_TO_UK = {
    r"\bgonorrhea\b": "gonorrhoea",
    r"\bcolor": "colour",
    r"\bestrogen": "oestrogen",
    r"\bgynecolog": "gynaecolog",
    r"\bcenter\b": "centre",
    r"\blabor\b": "labour",
    r"\bbehavior": "behaviour",
    r"\banemia": "anaemia",
    r"\bhemorrhag": "haemorrhag",
    r"\bPap\b": "smear",
}


def english(node: Any) -> Iterator[str]:
    """Every English string a person can read in a pack model: Text.en, and the notes and
    estimates shown on the evidence page."""
    if isinstance(node, Text):
        yield node.en
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            value = getattr(node, name)
            if name in ("note", "estimate") and isinstance(value, str):
                yield value
            else:
                yield from english(value)
    elif isinstance(node, dict):
        for value in node.values():
            yield from english(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from english(value)


@pytest.mark.parametrize("pattern", list(US_TO_UK), ids=list(US_TO_UK.values()))
def test_the_english_text_is_uk_english(pack: Pack, pattern: str) -> None:
    texts = [*english(pack), *english(load_learn())]
    assert len(texts) > 500
    found = [t for t in texts if re.search(pattern, t, re.IGNORECASE)]
    assert not found, f"use {US_TO_UK[pattern]!r}: {found[:3]}"
