"""Which question to ask next.

Order of business: the opening questions (emergencies first, then what sets the priors); then
the question with the largest expected information gain about the causes; and before the
interview may stop, every unanswered question that could still raise the urgency; last, the
closing questions (what the person is told, not which cause fits). Asking stops when nothing
left would change the picture.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from candid.engine.compiled import CompiledPack, FloatArray
from candid.engine.conditions import Facts
from candid.engine.infer import Posterior
from candid.engine.triage import Triage, open_rules


@dataclass(frozen=True)
class Choice:
    fact: str
    reason: str  # "opening", "red_flag", "information" or "closing"
    expected_gain_bits: float


def _entropy_bits(q: FloatArray) -> FloatArray:
    """Entropy of categorical distributions along the last axis."""
    safe = np.where(q > 0, q, 1.0)
    out: FloatArray = -(q * np.log2(safe)).sum(axis=-1)
    return out


def askable(cp: CompiledPack, facts: Facts, fid: str, skipped: Collection[str]) -> bool:
    fact = cp.pack.facts[fid]
    if fact.asked_by != "patient" or fid in facts or fid in skipped:
        return False
    gate = cp.ask_when.get(fid)
    return gate is None or gate(facts)


def information_gain(cp: CompiledPack, post: Posterior, candidates: list[str]) -> dict[str, float]:
    """Mutual information (bits) between each candidate's answer and which cause explains
    the bleeding.

    For choosing questions the causes are treated as one mixture: the current probabilities,
    normalised, say how likely each cause is to be the explanation, and P(answer | cause) is
    the cause's ratio times the fact's baseline. That makes the expected gain a true mutual
    information (never negative), which the coexisting-causes posterior cannot give cheaply.
    All answers of all candidates are scored in one matrix.
    """
    evidence = [cp.evidence[f] for f in candidates if f in cp.evidence]
    total = float(post.probability.sum())
    if not evidence or total <= 0:
        return {}
    q = post.probability / total
    h_now = float(_entropy_bits(q))
    gains: dict[str, float] = {}
    for ev in evidence:
        given = ev.lr * ev.baseline[:, None]  # answers x causes
        given = given / given.sum(axis=0, keepdims=True)
        joint = given * q  # P(answer, cause)
        p_answer = joint.sum(axis=1)
        after = joint / np.maximum(p_answer[:, None], 1e-300)
        gains[ev.id] = max(h_now - float(p_answer @ _entropy_bits(after)), 0.0)
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
    for fid in settings.closing:
        if askable(cp, facts, fid, skipped):
            return Choice(fid, "closing", 0.0)
    return None
