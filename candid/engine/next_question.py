"""Which question to ask next, and on what page (docs/interview.md).

Order of business: the opening questions (emergencies first, on one page, then what sets the
starting odds); any question that could still reveal an emergency; the questions asked
always (the symptom itself); then the question most likely to change what the person is
told (`decision.question_values`), while one is worth asking; then every question that could
still raise the urgency, so none is dropped; last, the closing questions (what changes the
care offered rather than which cause fits: sexual assault, medicines).

A question that belongs to a group (interview.yaml `groups`) is asked on the group's page,
together with every other question of the group that applies to the person: the value of the
question that was picked pays for the page, and the others cost a tick box each.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from candid.engine.compiled import CompiledPack, FloatArray, with_assumptions
from candid.engine.conditions import Facts
from candid.engine.decision import question_values
from candid.engine.infer import Posterior
from candid.engine.pages import members
from candid.engine.triage import Triage


def interrupting_rank(cp: CompiledPack) -> int:
    """The pack's most urgent level: the one that interrupts the interview."""
    return max(cp.level_rank.values())


@dataclass(frozen=True)
class Choice:
    fact: str
    reason: str  # "opening", "red_flag", "always", "value" or "closing"
    expected_gain_bits: float
    """Information about the causes the answer is expected to bring (for the record)."""
    expected_change: float = 0.0
    """Expected change in what the person is told (what the choice was made on)."""
    group: str | None = None
    """The group whose page asks this question, when it is asked on one."""
    facts: tuple[str, ...] = ()
    """Every question on the page: the group's that apply, or just `fact`."""
    screens_left: int = 0
    """The engine's estimate of the pages still to come after this one."""


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


def open_questions(cp: CompiledPack, facts: Facts, skipped: Collection[str]) -> list[str]:
    """Every question `askable` now, in pack order: worked out once a step, since the order
    of business and the urgency coverage all ask it of every question."""
    skip = set(skipped)
    ask_when = cp.ask_when
    out = []
    for fid in cp.patient_facts:
        if fid in facts or fid in skip:
            continue
        gate = ask_when.get(fid)
        if gate is None or gate(facts):
            out.append(fid)
    return out


def information_gain(cp: CompiledPack, post: Posterior, candidates: list[str]) -> dict[str, float]:
    """Mutual information (bits) between each candidate's answer and which cause explains
    the bleeding, treating the causes' normalised probabilities as one mixture."""
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


def could_raise_urgency(
    cp: CompiledPack,
    facts: Facts,
    rank: int,
    skipped: Collection[str],
    asks: Collection[str] | None = None,
) -> list[tuple[int, str]]:
    """(rule rank, question) for every unanswered question the person could be asked that
    could still make a rule more urgent than `rank` hold, most urgent rule first. A rule
    that needs an exam or test result to hold is left to the clinician: the interview
    cannot reach it. `asks`, when given, must be `open_questions(cp, facts, skipped)` as a
    set (the caller has it already)."""
    effective, _ = with_assumptions(cp, facts)
    can_ask = set(open_questions(cp, facts, skipped)) if asks is None else asks
    out: list[tuple[int, str]] = []
    never: frozenset[str] | None = None
    seen: set[str] = set()
    for rule in cp.rules_by_rank:
        if rule.rank <= rank:
            break  # most urgent first: none of the rest is more urgent
        if never is None:
            never = frozenset(cp.pack.facts.keys() - effective.keys()).difference(can_ask)
        if rule.reach(effective, never) is not None:
            continue
        for fid in rule.facts:
            if fid not in seen and fid not in effective and fid in can_ask:
                seen.add(fid)
                out.append((rule.rank, fid))
    return out


def next_question(
    cp: CompiledPack,
    facts: Facts,
    post: Posterior,
    tri: Triage,
    skipped: Collection[str] = (),
    *,
    gain: bool = True,
) -> Choice | None:
    """The next page, or None when the interview is over. `gain`: work out the information
    the question is expected to bring (`Choice.expected_gain_bits`, which only the full
    report shows; 0.0 otherwise)."""
    if tri.is_emergency:
        return None  # red flags interrupt: say what to do now, ask nothing more
    settings = cp.pack.interview
    asking = open_questions(cp, facts, skipped)
    asks = set(asking)
    top = interrupting_rank(cp)
    cover = could_raise_urgency(cp, facts, tri.rank, skipped, asks)
    opening = [f for f in settings.opening if f in asks]
    emergencies = [f for rank, f in cover if rank >= top]
    always = [f for f in settings.always if f in asks]
    closing = [f for f in settings.closing if f in asks]
    # Asked at their set place whatever happens: not chosen again for value or coverage.
    placed = {*opening, *always, *closing}
    cover = [(rank, f) for rank, f in cover if f not in placed or rank >= top]
    candidates = [f for f in asking if f not in placed]
    answered = len(facts) + len(skipped)
    values: dict[str, float] = {}
    if not opening and not emergencies and not always and answered < settings.max_questions:
        # Only when the choice rests on it: playing out every answer of every question is
        # the costly part of an assessment (docs/interview.md, "Progress").
        values = question_values(cp, facts, post, candidates, tri)
    # A page is worth what its questions are worth together: a group of tick boxes answers
    # several at once, so it is chosen by the sum of its questions' values.
    page_value: dict[str, float] = {}
    for f, v in values.items():
        page_value[_screen(cp, f)] = page_value.get(_screen(cp, f), 0.0) + v
    worth = sorted(
        (f for f, v in values.items() if page_value[_screen(cp, f)] >= settings.stop_below_value),
        key=lambda f: (-page_value[_screen(cp, f)], -values[f]),
    )
    queue = [
        *((f, "opening") for f in opening),
        *((f, "red_flag") for f in emergencies),
        *((f, "always") for f in always),
        *((f, "value") for f in worth),
        *((f, "red_flag") for _, f in cover),
        *((f, "closing") for f in closing),
    ]
    if not queue:
        return None
    fact, reason = queue[0]
    page = _page(cp, fact, facts, skipped, asks)
    left = {_screen(cp, f) for f, _ in queue if f not in page} - {_screen(cp, fact)}
    gains = information_gain(cp, post, [fact]) if gain and fact in cp.evidence else {}
    return Choice(
        fact=fact,
        reason=reason,
        expected_gain_bits=gains.get(fact, 0.0),
        expected_change=page_value.get(_screen(cp, fact), values.get(fact, 0.0)),
        group=cp.group_of.get(fact) if len(page) > 1 else None,
        facts=page,
        screens_left=len(left),
    )


def _page(
    cp: CompiledPack, fact: str, facts: Facts, skipped: Collection[str], asks: Collection[str]
) -> tuple[str, ...]:
    """The questions asked on the page that asks `fact`: its group's that apply (a form's
    also those that turn on an answer above them), or itself. `asks`: the questions
    `askable` now."""
    group = cp.group_of.get(fact)
    if group is None:
        return (fact,)
    page = members(
        cp,
        group,
        lambda f: f in asks,
        lambda f: f not in facts and f not in skipped,
    )
    return page if len(page) > 1 else (fact,)


def _screen(cp: CompiledPack, fact: str) -> str:
    return cp.group_of.get(fact, fact)
