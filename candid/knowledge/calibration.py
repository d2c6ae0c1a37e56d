"""The pack's calibration table (`calibration.yaml`): types, and the checks against the pack.

Each entry names a group of people as the engine's facts, the cause or causes whose probability
is compared, and the figure a source published for that group with its range. The loader reads
and checks the file with the rest of the pack, so `candid kb validate` reports an entry that
names an unknown fact, value, cause or source, or a range out of order, by file and key. The
engine never reads it: `candid calibrate` (candid/evaluation/calibration.py) runs each group
through the engine and says whether the engine falls inside the published range. An entry
outside its range must say why (`explanation`); that is checked by the test suite
(tests/test_calibration.py), not at load, so a pack change that moves a figure out of range
does not stop the pack from loading.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from candid.knowledge.models import Fact, Pack, Scalar
from candid.knowledge.problems import PackError, Problem
from candid.knowledge.yaml_io import read_yaml

FILE = "calibration.yaml"
Share = Annotated[float, Field(ge=0.0, le=1.0)]
Interval = Literal["ci95", "studies", "derived", "none"]
INTERVAL_NAMES: dict[str, str] = {
    "ci95": "95% CI",
    "studies": "range across studies",
    "derived": "derived range",
    "none": "no interval published",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Published(_Strict):
    """The published figure for the group and its range, as proportions (0.09 for 9%)."""

    point: Share
    low: Share
    high: Share
    interval: Interval
    """`ci95`: the source's 95% confidence interval (or an exact one from its counts);
    `studies`: the range across the studies named; `derived`: worked out here from published
    figures, as `derivation` says; `none`: a single figure, no interval published."""
    population: Annotated[str, Field(min_length=1)]
    """Who the figure is about, in the source's terms (setting, numbers, years)."""
    derivation: str | None = None
    """How a `derived` figure and range were worked out from the sources."""

    @model_validator(mode="after")
    def _ordered(self) -> Published:
        if not self.low <= self.point <= self.high:
            raise ValueError("the range must hold the figure: 0 <= low <= point <= high <= 1")
        if self.interval == "derived" and not self.derivation:
            raise ValueError("a derived figure needs its 'derivation'")
        if self.interval == "none" and not self.low == self.point == self.high:
            raise ValueError("with no interval published, low and high equal the point")
        return self


class Entry(_Strict):
    id: str
    group: Annotated[str, Field(min_length=1)]
    """The group in plain words."""
    facts: dict[str, Scalar]
    """The group as the engine's facts: what a person in it would have answered."""
    causes: Annotated[list[str], Field(min_length=1)]
    """The cause or causes compared; with several, their probabilities are added."""
    published: Published
    sources: Annotated[list[str], Field(min_length=1)]
    note: str | None = None
    """What a reader needs to compare the two figures fairly, whether or not they agree."""
    explanation: str | None = None
    """Why the engine is outside the published range (required then, by the tests)."""


def read(folder: Path) -> tuple[list[Entry], list[Problem]]:
    """The entries of `calibration.yaml` in `folder` (none if it has no such file), and what
    could not be read, by key."""
    path = folder / FILE
    if not path.exists():
        return [], []
    try:
        data: Any = read_yaml(path)
    except Exception as err:  # a YAML syntax error names the line
        return [], [Problem(FILE, "(file)", f"cannot be read as YAML: {err}")]
    if not isinstance(data, dict):
        return [], [Problem(FILE, "(top)", "expected a mapping of id to entry")]
    entries: list[Entry] = []
    problems: list[Problem] = []
    for key, raw in data.items():
        if not isinstance(raw, dict):
            problems.append(Problem(FILE, str(key), "expected a mapping"))
            continue
        try:
            entries.append(Entry.model_validate({"id": str(key), **raw}))
        except ValidationError as err:
            for e in err.errors():
                where = ".".join([str(key), *(str(part) for part in e["loc"])])
                problems.append(Problem(FILE, where, e["msg"]))
    return entries, problems


def problems(entries: list[Entry], pack: Pack) -> Iterator[Problem]:
    """What does not fit the pack, by key in `calibration.yaml`: the facts must be ones the
    engine accepts (ids, values, no contradiction), the causes and sources must exist."""
    for entry in entries:
        for name, value in entry.facts.items():
            fact = pack.facts.get(name)
            wrong = "is not a fact of the pack" if fact is None else _wrong_value(fact, value)
            if wrong:
                yield Problem(FILE, f"{entry.id}.facts.{name}", wrong)
        for cause in entry.causes:
            if cause not in pack.causes:
                yield Problem(FILE, f"{entry.id}.causes", f"{cause!r} is not a cause of the pack")
        for ref in entry.sources:
            if ref not in pack.sources:
                yield Problem(FILE, f"{entry.id}.sources", f"{ref!r} is not in sources.yaml")


def _wrong_value(fact: Fact, value: Scalar) -> str | None:
    """The value's type and range by the facts contract; the knowledge layer checks it
    itself (the engine's full check, contradictions included, runs when `candid calibrate`
    assesses the group), so that knowledge never imports the engine."""
    if fact.type == "boolean":
        return None if isinstance(value, bool) else "expected true or false"
    if fact.type == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return "expected a whole number"
        low, high = fact.minimum, fact.maximum
        if low is not None and high is not None and not low <= value <= high:
            return f"expected {low} to {high}"
        return None
    return (
        None
        if value in (fact.choices or {})
        else f"expected one of {', '.join(fact.choices or {})}"
    )


def problems_in(folder: Path, pack: Pack) -> list[Problem]:
    """Everything wrong with `folder`'s calibration table, for the loader."""
    entries, found = read(folder)
    return found + list(problems(entries, pack))


def load_from(folder: Path, pack: Pack) -> list[Entry]:
    """The checked entries of `folder`'s calibration table; PackError if any is wrong."""
    entries, found = read(folder)
    found += problems(entries, pack)
    if found:
        raise PackError(found)
    return entries
