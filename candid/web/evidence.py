"""The evidence page's content, computed from the pack, the learn pages and the vignettes.

Nothing here is typed in: which numbers rest on each source, which are labelled estimates, and
the accuracy on the public vignettes all come from the files the engine itself uses.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from candid.engine import assess
from candid.evaluation.metrics import Report, evaluate
from candid.evaluation.vignettes import load_vignettes
from candid.i18n import collation_key
from candid.knowledge.learn import Learn
from candid.knowledge.loader import DEFAULT_PACK
from candid.knowledge.models import Pack
from candid.knowledge.validator import bases


@dataclass
class Use:
    where: str
    """File and key, as an editor would look it up."""
    note: str | None


@dataclass
class SourceUses:
    key: str
    citation: str
    url: str | None
    kind: str
    uses: list[Use] = field(default_factory=list)


@dataclass
class Estimate:
    where: str
    rationale: str
    also_sourced: bool


@dataclass
class Evidence:
    sources: list[SourceUses]
    estimates: list[Estimate]
    numbers: int

    @property
    def unsourced(self) -> int:
        """Estimates with no source at all behind them."""
        return sum(not e.also_sourced for e in self.estimates)


def evidence(pack: Pack, learn: Learn, lang: str = "en") -> Evidence:
    """Every number's basis, with the sources in the order a reader of `lang` sorts them."""
    uses: dict[str, list[Use]] = defaultdict(list)
    estimates: list[Estimate] = []
    numbers = 0
    for file, key, basis in bases(pack):
        numbers += 1
        where = f"{file}: {key}"
        note = getattr(basis, "note", None)
        for ref in basis.source_keys:
            uses[ref].append(Use(where, note))
        if basis.estimate:
            estimates.append(Estimate(where, basis.estimate, bool(basis.source_keys)))
    for cid, cause in pack.causes.items():
        for ref in cause.sources:
            uses[ref].append(Use(f"causes/{cid}.yaml: sources", None))
    for wid, item in pack.workup.items():
        for ref in item.sources:
            uses[ref].append(Use(f"workup.yaml: {wid}", None))
    for stage in pack.stages:
        for ref in stage.sources:
            uses[ref].append(Use(f"stages.yaml: {stage.id}", None))
    uses[pack.urgency.baseline_source].append(Use("urgency.yaml: baseline_source", None))
    for cid, page in learn.causes.items():
        for section in page.sections:
            for ref in section.sources:
                uses[ref].append(Use(f"learn/causes/{cid}.yaml: {section.id}", None))
    for gid, guide in learn.guides.items():
        for section in guide.sections:
            for ref in section.sources:
                uses[ref].append(Use(f"learn/guides/{gid}.yaml: {section.id}", None))
        cited = [(x.id, x.sources) for x in guide.products] + [
            (x.id, x.sources) for x in guide.tips
        ]
        for item_id, refs in cited:
            for ref in refs:
                uses[ref].append(Use(f"learn/guides/{gid}.yaml: {item_id}", None))
    listed = [
        SourceUses(key, s.citation, s.url, s.kind, uses.get(key, []))
        for key, s in sorted(
            pack.sources.items(), key=lambda kv: collation_key(kv[1].citation, lang)
        )
    ]
    return Evidence(listed, estimates, numbers)


def vignettes_dir(pathway: str) -> Path | None:
    """A pathway's public vignettes, shipped in the repository beside the package: the first
    pathway's in `vignettes/`, every other's in `vignettes/<pathway>/` (docs/evaluation.md).
    None when they are not there (an installed package without the repository)."""
    root = Path(__file__).resolve().parents[2] / "vignettes"
    folder = root if pathway == DEFAULT_PACK else root / pathway
    return folder if folder.is_dir() else None


_scored: dict[tuple[int, Path], Report | None] = {}


def accuracy(pack: Pack, folder: Path | None) -> Report | None:
    """The public vignettes scored by this engine and pack, once per process."""
    if folder is None:
        return None
    key = (id(pack), folder)
    if key not in _scored:
        cases = load_vignettes(folder)
        _scored[key] = evaluate(cases, lambda case: assess(pack, case.facts)) if cases else None
    return _scored[key]
