"""Which question to ask next.

Order of business: the opening questions (emergencies first, then what sets the priors); then
the question with the largest expected information gain about the causes; and before the
interview may stop, every unanswered question that could still raise the urgency. Asking
stops when nothing left would change the picture.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from candid.engine.compiled import CompiledPack, FloatArray
from candid.engine.conditions import Facts
from candid.engine.infer import Posterior, condition, sigmoid
from candid.engine.triage import Triage, open_rules


@dataclass(frozen=True)
class Choice:
    fact: str
    reason: str  # "opening", "red_flag" or "information"
    expected_gain_bits: float


def _entropy_bits(p: FloatArray) -> FloatArray:
    q = np.clip(p, 1e-12, 1.0 - 1e-12)
    out: FloatArray = -(q * np.log2(q) + (1.0 - q) * np.log2(1.0 - q))
    return out


def askable(cp: CompiledPack, facts: Facts, fid: str, skipped: Collection[str]) -> bool:
    fact = cp.pack.facts[fid]
    if fact.asked_by != "patient" or fid in facts or fid in skipped:
        return False
    gate = cp.ask_when.get(fid)
    return gate is None or gate(facts) is not False


def information_gain(cp: CompiledPack, post: Posterior, candidates: list[str]) -> dict[str, float]:
    """Expected drop in the summed binary entropy of the causes for each candidate fact.

    All answers of all candidates are scored in one matrix. The chance of each answer is the
    baseline tilted by the current causes: P(v) ~ b(v) * (1 + sum_k p_k (LR_k(v) - 1)).
    """
    evidence = [cp.evidence[f] for f in candidates if f in cp.evidence]
    if not evidence:
        return {}
    finite = np.isfinite(post.logit)
    base_logit = np.where(finite, post.logit, -745.0)
    rows = np.concatenate([ev.log_lr for ev in evidence])  # answers x causes
    lrs = np.concatenate([ev.lr for ev in evidence])
    baselines = np.concatenate([ev.baseline for ev in evidence])
    after, _ = condition(sigmoid(base_logit + rows))
    after = np.where(finite, after, 0.0)
    h_after = _entropy_bits(after).sum(axis=1)
    h_now = float(_entropy_bits(np.where(finite, post.probability, 0.0)).sum())
    p = np.clip(post.probability, 0.0, 1.0)
    tilt = np.maximum(1.0 + (lrs - 1.0) @ p, 1e-6)
    weight = baselines * tilt
    gains: dict[str, float] = {}
    start = 0
    for ev in evidence:
        stop = start + len(ev.values)
        w = weight[start:stop] / weight[start:stop].sum()
        gains[ev.id] = max(h_now - float(w @ h_after[start:stop]), 0.0)
        start = stop
    return gains


def next_question(
    cp: CompiledPack,
    facts: Facts,
    post: Posterior,
    tri: Triage,
    skipped: Collection[str] = (),
) -> Choice | None:
    if tri.is_emergency:
        return None  # red flags interrupt: say what to do now, ask nothing more
    settings = cp.pack.interview
    answered = len(facts) + len(skipped)
    for fid in settings.opening:
        if askable(cp, facts, fid, skipped):
            return Choice(fid, "opening", 0.0)
    flags = open_rules(cp, facts, tri.rank)
    for rank in (3,):  # emergencies that unanswered questions could still reveal come first
        for rule_rank, missing in flags:
            if rule_rank >= rank:
                for fid in missing:
                    if askable(cp, facts, fid, skipped):
                        return Choice(fid, "red_flag", 0.0)
    candidates = [f for f in cp.evidence if askable(cp, facts, f, skipped)]
    gains = information_gain(cp, post, candidates)
    if gains and answered < settings.max_questions + len(settings.opening):
        best = max(gains, key=lambda f: gains[f])
        if gains[best] >= settings.stop_below_bits:
            return Choice(best, "information", gains[best])
    for _, missing in flags:
        for fid in missing:
            if askable(cp, facts, fid, skipped):
                return Choice(fid, "red_flag", gains.get(fid, 0.0))
    return None
