"""The pattern a provider needs from a diary: how often, how much, when, and where in the
cycle. Pure functions over decrypted episodes; the pages draw the charts as SVG from these."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from candid.diary.episodes import Episode

MIN_WEEKS, MAX_WEEKS = 8, 26
MIN_CYCLE_DAYS = 28
RATE_AFTER_EPISODES = 3
RATE_AFTER_DAYS = 28
"""A rate ("about N a month") is said only from this many episodes over at least this many
days: one episode last week is not "about 4 a month", and a provider would read it so."""


@dataclass(frozen=True)
class Bar:
    label: str
    count: int


@dataclass(frozen=True)
class Pattern:
    count: int
    first: dt.date | None
    last: dt.date | None
    per_month: float | None
    """None until there are enough episodes over enough time for a rate to mean something."""
    amounts: dict[str, int] = field(default_factory=dict)
    colours: dict[str, int] = field(default_factory=dict)
    timings: dict[str, int] = field(default_factory=dict)
    pains: dict[str, int] = field(default_factory=dict)
    lubricant: dict[str, int] = field(default_factory=dict)
    with_cycle_day: int = 0
    weeks: list[Bar] = field(default_factory=list)
    """Episodes per week, oldest first, ending with the current week."""
    cycle_days: list[Bar] = field(default_factory=list)
    """Episodes by day of the menstrual cycle (only those with a day)."""

    @property
    def busiest(self) -> int:
        return max([b.count for b in self.weeks] + [1])

    @property
    def busiest_cycle_day(self) -> int:
        return max([b.count for b in self.cycle_days] + [1])


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def pattern(episodes: list[Episode], today: dt.date) -> Pattern:
    if not episodes:
        return Pattern(count=0, first=None, last=None, per_month=None)
    days = sorted(e.day for e in episodes)
    first, last = days[0], days[-1]
    months = max((today - first).days / 30.44, 1.0)
    this_week = _monday(today)
    span = (this_week - _monday(first)).days // 7 + 1
    n_weeks = min(max(span, MIN_WEEKS), MAX_WEEKS)
    per_week = Counter(_monday(d) for d in days)
    weeks = [
        Bar(
            (this_week - dt.timedelta(weeks=i)).isoformat(),
            per_week[this_week - dt.timedelta(weeks=i)],
        )
        for i in reversed(range(n_weeks))
    ]
    numbered = [e.cycle_day for e in episodes if e.cycle_day is not None]
    top = max([*numbered, MIN_CYCLE_DAYS])
    per_day = Counter(numbered)
    return Pattern(
        count=len(episodes),
        first=first,
        last=last,
        per_month=round(len(episodes) / months, 1)
        if len(episodes) >= RATE_AFTER_EPISODES and (today - first).days >= RATE_AFTER_DAYS
        else None,
        amounts=dict(Counter(e.amount for e in episodes)),
        colours=dict(Counter(e.colour for e in episodes)),
        timings=dict(Counter(e.timing for e in episodes)),
        pains=dict(Counter(e.pain for e in episodes)),
        lubricant=dict(Counter(e.lubricant for e in episodes)),
        with_cycle_day=len(numbered),
        weeks=weeks,
        cycle_days=[Bar(str(d), per_day[d]) for d in range(1, top + 1)] if numbered else [],
    )
