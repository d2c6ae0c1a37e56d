"""Learn pages: plain-language reading about each cause and the practical guides.

They live beside the pack (`<pack>/learn/`) but outside the `Pack` the engine compiles: the
engine never reads them, and an edit to a page must not change a single probability. They are
held to the same rules as the pack: both languages, no number without a source, every source
key in the pack's bibliography, no placeholder text.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import Field, ValidationError

from candid.knowledge.loader import DEFAULT_PACK, load_pack, pack_dir
from candid.knowledge.models import Condition, Level, Pack, Strict, Text
from candid.knowledge.problems import PackError, Problem
from candid.knowledge.validator import PLACEHOLDERS, check_condition
from candid.knowledge.yaml_io import read_yaml

FOLDER = "learn"
REASSURANCE = "reassurance.yaml"
CAUSE_SECTIONS = ("who_gets_it", "how_it_is_found")
"""A cause page's own sections; what it is and what can be done come from the cause file."""
MEANWHILE = "meanwhile"
"""The guide every pathway has: the results page's "looking after yourself meanwhile" (its
acknowledgement, tips and when to lead with them). Other guides are the pathway's own."""
_DIGIT = re.compile(r"\d")


class Section(Strict):
    id: str
    heading: Text
    paragraphs: list[Text] = Field(default_factory=list)
    items: list[Text] = Field(default_factory=list)
    """Bullet points, after the paragraphs."""
    sources: list[str] = Field(default_factory=list)

    def texts(self) -> list[Text]:
        return [self.heading, *self.paragraphs, *self.items]


class CausePage(Strict):
    cause: str
    sections: Annotated[list[Section], Field(min_length=1)]

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)


class Product(Strict):
    """A kind of product (never a brand): what it is good for and what to watch out for."""

    id: str
    name: Text
    good_for: Text
    watch_out: Text
    sources: list[str] = Field(default_factory=list)


class Tip(Strict):
    """A practical step to keep sex comfortable while the cause is being found."""

    id: str
    text: Text
    sources: list[str] = Field(default_factory=list)


class Guide(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    title: Text
    summary: Text
    sections: Annotated[list[Section], Field(min_length=1)]
    products: list[Product] = Field(default_factory=list)
    """Kinds of product (never brands), e.g. lubricants; a deployer's shop links key on them."""
    tips: list[Tip] = Field(default_factory=list)
    """Shown on the results page when sex is affected (the meanwhile guide)."""
    acknowledgement: Text | None = None
    """Said first on the results page when the person says this affects their sex life."""
    show_tips_when: Condition | None = None
    """When the results page leads with the acknowledgement and the tips (meanwhile guide)."""


class ReassuranceWhen(Strict):
    """All must hold for the reassurance to be shown."""

    facts: Condition | None = None
    urgency_at_most: Level
    unless_likely: list[str] = Field(default_factory=list)
    """Never beside any of these causes when it is likely."""


class Reassurance(Strict):
    """The reassurance the evidence supports, with its sources and when it may be said."""

    heading: Text
    paragraphs: Annotated[list[Text], Field(min_length=1)]
    sources: Annotated[list[str], Field(min_length=1)]
    show_when: ReassuranceWhen


P = TypeVar("P", CausePage, Guide, Reassurance)


class Learn(Strict):
    causes: dict[str, CausePage]
    guides: dict[str, Guide]
    reassurance: Reassurance


def load_learn_from(folder: Path, pack: Pack) -> Learn:
    """Raises PackError naming file and key for every problem found."""
    problems: list[Problem] = []
    causes = _each(folder, "causes", CausePage, "cause", problems)
    guides = _each(folder, "guides", Guide, "id", problems)
    rel = f"{FOLDER}/{REASSURANCE}"
    reassurance = None
    if (folder / rel).exists():
        reassurance = _parse(Reassurance, folder / rel, rel, problems)
    else:
        problems.append(Problem(rel, "(file)", "missing"))
    if reassurance is None:
        raise PackError(problems)
    learn = Learn(causes=causes, guides=guides, reassurance=reassurance)
    problems += check_learn(learn, pack)
    if problems:
        raise PackError(problems)
    return learn


def _each(
    folder: Path, sub: str, model: type[P], id_field: str, problems: list[Problem]
) -> dict[str, P]:
    """One entry per file in `learn/<sub>/`, keyed by its id, which must be the file name."""
    out: dict[str, P] = {}
    for path in sorted((folder / FOLDER / sub).glob("*.yaml")):
        rel = f"{FOLDER}/{sub}/{path.name}"
        entry = _parse(model, path, rel, problems)
        if entry is None:
            continue
        key = str(getattr(entry, id_field))
        if key != path.stem:
            problems.append(Problem(rel, id_field, f"must match the file name '{path.stem}'"))
        out[key] = entry
    return out


def _parse(model: type[P], path: Path, rel: str, problems: list[Problem]) -> P | None:
    try:
        return model.model_validate(read_yaml(path))
    except ValidationError as err:
        for e in err.errors():
            key = ".".join(str(p) for p in e["loc"]) or "(top)"
            problems.append(Problem(rel, key, e["msg"]))
    except Exception as err:  # YAML syntax: the message names the line
        problems.append(Problem(rel, "(file)", f"cannot be read as YAML: {err}"))
    return None


def check_learn(learn: Learn, pack: Pack) -> list[Problem]:
    problems: list[Problem] = []
    for cid in pack.causes:
        if cid not in learn.causes:
            problems.append(Problem(f"{FOLDER}/causes/{cid}.yaml", "(file)", "missing"))
    for cid, page in learn.causes.items():
        file = f"{FOLDER}/causes/{cid}.yaml"
        if cid not in pack.causes:
            problems.append(Problem(file, "cause", f"'{cid}' is not a cause in the pack"))
        ids = [s.id for s in page.sections]
        for needed in CAUSE_SECTIONS:
            if needed not in ids:
                problems.append(Problem(file, "sections", f"needs a section '{needed}'"))
        problems += _sections(file, page.sections, pack)
    if MEANWHILE not in learn.guides:
        problems.append(Problem(f"{FOLDER}/guides/{MEANWHILE}.yaml", "(file)", "missing"))
    named = pack.meta.wording.sites_guide
    if named is not None and named not in learn.guides:
        where = f"{FOLDER}/guides/{named}.yaml"
        problems.append(
            Problem(where, "(file)", "missing (named by pack.yaml wording.sites_guide)")
        )
    for gid, guide in learn.guides.items():
        file = f"{FOLDER}/guides/{gid}.yaml"
        problems += _sections(file, guide.sections, pack)
        for product in guide.products:
            texts = [product.name, product.good_for, product.watch_out]
            problems += _cited(file, f"products.{product.id}", texts, product.sources, pack)
        for tip in guide.tips:
            problems += _cited(file, f"tips.{tip.id}", [tip.text], tip.sources, pack)
        if gid == MEANWHILE and (not guide.tips or guide.acknowledgement is None):
            problems.append(Problem(file, "tips", "needs tips and an acknowledgement"))
        if guide.show_tips_when is not None:
            problems += check_condition(pack, file, "show_tips_when", guide.show_tips_when)
    problems += _reassurance(learn.reassurance, pack)
    return problems


def _reassurance(r: Reassurance, pack: Pack) -> list[Problem]:
    file = f"{FOLDER}/{REASSURANCE}"
    problems = _cited(file, "paragraphs", [r.heading, *r.paragraphs], r.sources, pack)
    if r.show_when.facts is not None:
        problems += check_condition(pack, file, "show_when.facts", r.show_when.facts)
    if r.show_when.urgency_at_most not in pack.urgency.levels:
        problems.append(Problem(file, "show_when.urgency_at_most", "is not an urgency level"))
    for cid in r.show_when.unless_likely:
        if cid not in pack.causes:
            problems.append(Problem(file, "show_when.unless_likely", f"unknown cause '{cid}'"))
    return problems


def _sections(file: str, sections: list[Section], pack: Pack) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for s in sections:
        if s.id in seen:
            problems.append(Problem(file, f"sections.{s.id}", "appears twice"))
        seen.add(s.id)
        if not s.paragraphs and not s.items:
            problems.append(Problem(file, f"sections.{s.id}", "has no text"))
        problems += _cited(file, f"sections.{s.id}", s.texts(), s.sources, pack)
    return problems


def _cited(file: str, key: str, texts: list[Text], sources: list[str], pack: Pack) -> list[Problem]:
    """A number in patient text needs a source; every key must be in the bibliography."""
    problems = [
        Problem(file, f"{key}.sources", f"'{k}' is not in sources.yaml")
        for k in sources
        if k not in pack.sources
    ]
    if not sources and any(_DIGIT.search(t.en) or _DIGIT.search(t.es) for t in texts):
        problems.append(Problem(file, key, "text with a number needs a source"))
    for t in texts:
        if any(word in t.en.lower().split() for word in PLACEHOLDERS):
            problems.append(Problem(file, key, "contains placeholder text"))
    return problems


@cache
def load_learn(name: str = DEFAULT_PACK) -> Learn:
    """The installed pack's learn pages, loaded and checked once per process."""
    return load_learn_from(pack_dir(name), load_pack(name))
