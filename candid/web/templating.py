"""The Jinja environment: Candid's templates first, then NHS.UK frontend's component macros."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from babel.numbers import format_decimal
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    pass_context,
)
from jinja2.runtime import Context
from markupsafe import Markup, escape

from candid.diary.episodes import AMOUNT_FACT


def _paragraphs(text: str) -> Markup:
    """Pack text keeps paragraphs apart with blank lines; each becomes a <p>."""
    parts = [p.strip() for p in text.split("\n\n") if p.strip()]
    return Markup("".join(f'<p class="nhsuk-body">{escape(p)}</p>' for p in parts))


def _percent(p: float) -> str:
    if p < 0.01:
        return "<1%"
    return f"{round(p * 100)}%"


@pass_context
def _decimal(context: Context, value: float) -> str:
    """A number as the page's language writes it (1.5 in English, 1,5 in Spanish)."""
    return str(format_decimal(value, locale=context.get("lang") or "en"))


def _in_100(p: float) -> int:
    """A probability as a whole number of people in 100 (0 means fewer than one)."""
    return round(p * 100)


@cache
def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(str(files("candid.web").joinpath("templates"))),
                PackageLoader("nhsuk_frontend_jinja"),
            ]
        ),
        autoescape=True,
        undefined=ChainableUndefined,  # the NHS macros read optional nested params
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["paragraphs"] = _paragraphs
    env.filters["percent"] = _percent
    env.filters["in_100"] = _in_100
    env.filters["decimal"] = _decimal
    env.globals["diary_amount_fact"] = AMOUNT_FACT
    return env
