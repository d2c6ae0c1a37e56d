"""One episode of bleeding after sex, as a person records it, with the rules for each field.

Validation lives here so the form, the tests and any import share one set of messages that
name the field and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


def _same(text: str) -> str:
    return text


AMOUNTS = ("spotting", "light", "heavy", "very_heavy")
"""The interview's scale for how much blood (the pack's `bleeding_amount`, in its words), so
an episode in the diary and an answer in the interview mean the same thing."""
AMOUNT_FACT = "bleeding_amount"
LEGACY_AMOUNTS = ("moderate",)
"""Kept readable in diaries written before the scales were one: shown as recorded, never
offered for a new episode."""
COLOURS = ("pink", "bright_red", "dark_red", "brown")
TIMINGS = ("during", "right_after", "within_hours", "next_day")
PAINS = ("none", "mild", "moderate", "severe")
LUBRICANT = ("yes", "no", "not_sure")
NOT_APPLICABLE = "not_applicable"
MAX_CYCLE_DAY = 60
MAX_NOTES = 500
OLDEST_YEARS = 5
MAX_EPISODES = 500
"""Episodes one diary may hold: two a week for the five years a date may go back. It bounds
what one diary costs to open, chart and export; the visit summary lists fewer still."""
SUMMARY_EPISODES = 50
"""Episodes the visit summary (page and PDF) lists, the most recent: a provider reads the
pattern, which counts them all, and a PDF's cost grows with every row it lays out."""
CYCLE_DAY = re.compile(r"[0-9]{1,3}")
"""ASCII digits only: str.isdigit() also takes "²" or "٣", which int() then refuses, and
any number of digits, which int() refuses past 4,300."""
CHOICES: dict[str, tuple[str, ...]] = {
    "amount": AMOUNTS,
    "colour": COLOURS,
    "timing": TIMINGS,
    "pain": PAINS,
    "lubricant": LUBRICANT,
}


@dataclass(frozen=True)
class Episode:
    day: dt.date
    amount: str
    colour: str
    timing: str
    pain: str
    lubricant: str
    cycle_day: int | None
    """None: not applicable (no periods, pregnancy, or the person does not track them)."""
    notes: str

    def to_bytes(self) -> bytes:
        data = asdict(self)
        data["day"] = self.day.isoformat()
        return json.dumps(data, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Episode:
        data = json.loads(raw)
        data["day"] = dt.date.fromisoformat(data["day"])
        return cls(**data)


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


def parse_episode(
    form: dict[str, Any], today: dt.date, _: Callable[[str], str] = _same
) -> Episode | list[FieldError]:
    """An Episode from submitted fields, or every problem, each naming its field."""
    missing = {
        "amount": _("Select how much blood there was"),
        "colour": _("Select the colour of the blood"),
        "timing": _("Select when the bleeding started"),
        "pain": _("Select how much it hurt"),
        "lubricant": _("Select whether lubricant was used"),
    }
    errors: list[FieldError] = []
    raw_day = str(form.get("day", "")).strip()
    day: dt.date | None = None
    try:
        day = dt.date.fromisoformat(raw_day)
    except ValueError:
        errors.append(FieldError("day", _("Enter the date as year-month-day, like 2026-11-03")))
    if day is not None:
        if day > today:
            errors.append(FieldError("day", _("The date cannot be in the future")))
        elif day < today - dt.timedelta(days=365 * OLDEST_YEARS):
            message = _("The date must be within the last %(n)s years") % {"n": OLDEST_YEARS}
            errors.append(FieldError("day", message))
    values: dict[str, str] = {}
    for name, allowed in CHOICES.items():
        value = str(form.get(name, "")).strip()
        if value not in allowed:
            errors.append(FieldError(name, missing[name]))
        values[name] = value
    raw_cycle = str(form.get("cycle_day", "")).strip()
    cycle_day: int | None = None
    if raw_cycle in ("", NOT_APPLICABLE):
        cycle_day = None
    elif CYCLE_DAY.fullmatch(raw_cycle) and 1 <= int(raw_cycle) <= MAX_CYCLE_DAY:
        cycle_day = int(raw_cycle)
    else:
        message = _("Enter a cycle day from 1 to %(n)s, or choose not applicable")
        errors.append(FieldError("cycle_day", message % {"n": MAX_CYCLE_DAY}))
    notes = str(form.get("notes", "")).strip()
    if len(notes) > MAX_NOTES:
        message = _("Notes must be %(n)s characters or fewer")
        errors.append(FieldError("notes", message % {"n": MAX_NOTES}))
    if errors or day is None:
        return errors
    return Episode(day=day, cycle_day=cycle_day, notes=notes, **values)
