"""What a question is worth: how likely its answer is to change what the person is told.

Ranking questions by information about the causes (entropy) asks what sharpens the
posterior, whether or not the person would be told anything different; it kept asking long
after the advice had settled. Here a question's value is the expected change, over its
possible answers, in the three things the results lead with: the urgency, the checks to
offer and the first causes with their order, each weighted by the pack (interview.yaml
`value`). A question that cannot change any of them is worth nothing and is not asked
(docs/interview.md).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from candid.engine.compiled import CompiledPack, FloatArray, with_assumptions
from candid.engine.conditions import Facts, FactValue
from candid.engine.infer import Posterior, posterior
from candid.engine.ranking import ranking
from candid.engine.triage import triage
from candid.engine.workup import open_stages, workup
from candid.knowledge.models import ValueWeights

TOP = 3
"""How many causes the results lead with."""
UNLIKELY_ANSWER = 1e-3
"""Answers less likely than this are not played out (their share of the value is noise)."""


@dataclass(frozen=True)
class Told:
    """What the person is told, as far as choosing questions goes."""

    rank: int
    top: tuple[int, ...]
    """The first causes shown, in order (causes impossible for the person left out)."""
    probability: FloatArray
    checks: frozenset[str]
    """The evaluations recommended."""


Memo = dict[tuple[object, ...], object]


def told_from(
    cp: CompiledPack, effective: Facts, post: Posterior, rank: int, memo: Memo | None = None
) -> Told:
    order = ranking(cp, effective, post)
    top = tuple(k for k in order if post.prior[k] > 0)[:TOP]
    opened = open_stages(cp, effective, post.probability)
    key = ("checks", tuple(opened), *(effective.get(f) for f in cp.workup_facts))
    checks = memo.get(key) if memo is not None else None
    if not isinstance(checks, frozenset):
        checks = frozenset(e.id for e in workup(cp, effective, opened) if e.status == "recommended")
        if memo is not None:
            memo[key] = checks
    return Told(rank, top, post.probability, checks)


def told(cp: CompiledPack, facts: Facts, memo: Memo | None = None) -> Told:
    """What the person would be told with these answers. `memo` shares, within one choice
    of question, the urgency and checks of what-if answers that leave their facts alone."""
    effective, _ = with_assumptions(cp, facts)
    key = ("rank", *(effective.get(f) for f in cp.rule_facts))
    rank = memo.get(key) if memo is not None else None
    if not isinstance(rank, int):
        rank = triage(cp, effective).rank
        if memo is not None:
            memo[key] = rank
    return told_from(cp, effective, posterior(cp, effective), rank, memo)


def difference(w: ValueWeights, before: Told, after: Told) -> float:
    """How much changed between two versions of what the person is told.

    A cause counts as moving into the first three (or to the top) only when it clearly
    overtakes the cause it displaces: by at least `w.margin` times its probability. Two
    causes at 20% and 21% swap places on almost any answer, and a question chosen for that
    would tell the person nothing they could act on.
    """
    out = w.urgency_level * abs(after.rank - before.rank)
    out += w.check * len(after.checks ^ before.checks)
    p = after.probability
    new_first = after.top and before.top and after.top[0] != before.top[0]
    if new_first and p[after.top[0]] >= w.margin * p[before.top[0]]:
        out += w.top_cause
    left = [k for k in before.top if k not in after.top]
    if left:
        floor = w.margin * max(float(p[k]) for k in left)
        out += w.top_three * sum(1 for k in after.top if k not in before.top and p[k] >= floor)
    return out


def possible_answers(cp: CompiledPack, fid: str, post: Posterior) -> list[tuple[FactValue, float]]:
    """Each answer the person could give, with how likely it is for someone with their
    answers so far: for evidence facts the causes' current probabilities mixed over
    P(answer | cause) (ratio x baseline), otherwise the fact's baseline, otherwise uniform.
    A number question is played out once per band of its `bins`."""
    fact = cp.pack.facts[fid]
    if fact.type == "boolean":
        values: list[FactValue] = [True, False]
        keys = ["true", "false"]
    elif fact.type == "choice":
        keys = list(fact.choices or {})
        values = list(keys)
    else:
        bands = list((fact.bins or {}).items())
        if not bands:
            return []  # a bare number (age) only sets the priors; it is an opening question
        keys = [name for name, _ in bands]
        values = [b.gte if b.gte is not None else max((b.lt or 1) - 1, 0) for _, b in bands]
    ev = cp.evidence.get(fid)
    total = float(post.probability.sum())
    if ev is not None and total > 0:
        given = ev.lr * ev.baseline[:, None]
        given = given / given.sum(axis=0, keepdims=True)
        mixed = given @ (post.probability / total)
        by_key = dict(zip(ev.values, mixed.tolist(), strict=True))
        weights = [by_key.get(k, 0.0) for k in keys]
    elif fact.baseline is not None:
        weights = [fact.baseline.probabilities.get(k, 0.0) for k in keys]
    else:
        weights = [1.0] * len(keys)
    norm = float(np.sum(weights)) or 1.0
    return [(v, w / norm) for v, w in zip(values, weights, strict=True)]


def question_values(
    cp: CompiledPack, facts: Facts, post: Posterior, candidates: Collection[str]
) -> dict[str, float]:
    """The expected change in what the person is told, for each candidate question."""
    weights = cp.pack.interview.value
    memo: Memo = {}
    now = told(cp, facts, memo)
    out: dict[str, float] = {}
    for fid in candidates:
        total = 0.0
        for value, p in possible_answers(cp, fid, post):
            if p >= UNLIKELY_ANSWER:
                total += p * difference(weights, now, told(cp, {**facts, fid: value}, memo))
        out[fid] = total
    return out
