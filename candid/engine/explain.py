"""Reasons for and against each cause, read off the same ratios the posterior used.

An item of evidence depends only on (cause, fact, answer, language), never on the person, so
each one is built once, as a frozen `EvidenceOut`, and shared between assessments; per
assessment only lookups and a sort remain.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from candid.engine.assessment import EvidenceOut
from candid.engine.compiled import CompiledPack
from candid.engine.conditions import Facts, FactValue
from candid.engine.infer import Posterior
from candid.knowledge.models import Fact, Pack

# Ratios this close to 1 (|log| below this) do not move a cause enough to be worth a reason.
_NEUTRAL = 0.1


def answer_label(pack: Pack, fact: Fact, value: FactValue, lang: str) -> str:
    if fact.type == "boolean":
        return (pack.words.yes if value is True else pack.words.no).get(lang)
    if fact.type == "choice" and fact.choices and isinstance(value, str):
        choice = fact.choices.get(value)
        if choice is not None:
            return choice.label.get(lang)
    return str(value)


def describe(pack: Pack, fact: Fact, value: FactValue, lang: str) -> str:
    """'Question — answer' reads plainly for both patient questions and exam results."""
    return f"{fact.question.get(lang)} — {answer_label(pack, fact, value, lang)}"


def _item(cp: CompiledPack, k: int, fid: str, vi: int, value: FactValue, lang: str) -> EvidenceOut:
    memo = cp.memo.setdefault("evidence_items", {})
    key = (k, fid, vi, lang)
    found: EvidenceOut | None = memo.get(key)
    if found is not None:
        return found
    ratio = float(cp.evidence[fid].lr[vi, k])
    lik = next((x for x in cp.pack.causes[cp.cause_ids[k]].likelihoods if x.fact == fid), None)
    baseline = cp.pack.facts[fid].baseline
    # No entry means the ratio was derived for the leak from the fact's baseline.
    citations = lik.source_keys if lik is not None else (baseline.source_keys if baseline else [])
    item = EvidenceOut(
        fact=fid,
        value=value,
        direction="for" if ratio > 1 else "against",
        ratio=round(ratio, 3),
        text=describe(cp.pack, cp.pack.facts[fid], value, lang),
        citations=list(citations),
        derived=lik is None,
    )
    memo[key] = item
    return item


def _row(
    cp: CompiledPack, fid: str, vi: int, value: FactValue, lang: str
) -> list[tuple[int, float, EvidenceOut]]:
    """Every cause one answer moves, with the strength used for sorting; built once."""
    memo = cp.memo.setdefault("evidence_rows", {})
    key = (fid, vi, lang)
    found: list[tuple[int, float, EvidenceOut]] | None = memo.get(key)
    if found is None:
        log_lr = cp.evidence[fid].log_lr[vi]
        found = [
            (int(k), float(abs(log_lr[k])), _item(cp, int(k), fid, vi, value, lang))
            for k in np.flatnonzero(np.abs(log_lr) >= _NEUTRAL)
        ]
        memo[key] = found
    return found


def evidence_by_cause(
    cp: CompiledPack, post: Posterior, facts: Facts, lang: str, only: set[int] | None = None
) -> dict[int, list[EvidenceOut]]:
    """Every fact the posterior used that moves each cause (or each cause in `only`),
    strongest first."""
    strength: dict[int, list[tuple[float, EvidenceOut]]] = defaultdict(list)
    for fid, vi in post.used:
        for k, weight, item in _row(cp, fid, vi, facts[fid], lang):
            if only is None or k in only:
                strength[k].append((weight, item))
    return {
        k: [item for _, item in sorted(items, key=lambda x: -x[0])] for k, items in strength.items()
    }


def prior_reason(cp: CompiledPack, p: float, lang: str) -> str | None:
    """Where a cause starts for this person, from its prior `p` (None when impossible).
    Priors come from a few pack values, so `present` keeps what this returns per language."""
    if p <= 0:
        return None
    pct = f"{p * 100:.0f}%" if p >= 0.01 else "<1%"
    return cp.pack.words.starting_odds.get(lang).format(percent=pct)
