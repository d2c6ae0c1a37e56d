"""`decision.question_values` plays out every answer of every candidate question as one numpy
batch; `question_values_one_at_a_time` plays each one out through the whole assessment. The
batch is only a faster way of doing the same arithmetic in the same order, so the two must be
equal exactly (`==` on floats, no tolerance): any difference, even in the last bit, would be
a sign that the batch computes something else, and could change which question is asked.

Checked on random answers (hypothesis over every fact, and seeded draws of patient answers
that follow the pack's baselines and `ask_when`), at every step of the replayed interview of
every public vignette, and on every vignette's full facts (exam findings included, which
change the ranking rule)."""

from __future__ import annotations

import random
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings

from candid.engine.compiled import compiled, with_assumptions
from candid.engine.conditions import Facts, FactValue
from candid.engine.decision import question_values, question_values_one_at_a_time
from candid.engine.facts import FactsError, validate_facts
from candid.engine.infer import posterior
from candid.engine.next_question import askable
from candid.engine.triage import triage
from candid.evaluation.interview import converse
from candid.evaluation.vignettes import load_vignettes
from candid.knowledge.loader import load_pack
from tests.strategies import facts_strategy

PACK = load_pack()
CP = compiled(PACK)
VIGNETTES = load_vignettes(Path(__file__).resolve().parents[1] / "vignettes")


def _asked(facts: Facts, skipped: Collection[str] = ()) -> list[str]:
    """The questions the interview could still ask (what `next_question` weighs)."""
    return [f for f in PACK.facts if askable(CP, facts, f, skipped)]


def _unknown(facts: Facts) -> list[str]:
    """Every fact without an answer, clinician findings and assumed facts included: the
    batch sends those the long way, and they must come out the same too."""
    return [f for f in PACK.facts if f not in facts]


def _assert_same(facts: Facts, candidates: Collection[str]) -> None:
    effective, _ = with_assumptions(CP, facts)
    post = posterior(CP, effective)
    batch = question_values(CP, facts, post, candidates, triage(CP, effective))
    alone = question_values_one_at_a_time(CP, facts, post, candidates)
    assert list(batch) == list(alone)
    different = {f: (batch[f], alone[f]) for f in alone if batch[f] != alone[f]}
    assert not different, f"batch != one at a time for {facts}: {different}"
    # Without the urgency handed in, the batch works it out itself.
    assert question_values(CP, facts, post, candidates) == alone


def _valid(raw: dict[str, Any]) -> dict[str, FactValue] | None:
    try:
        return validate_facts(PACK, raw, CP.contradictions)
    except FactsError:
        return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts_strategy(PACK))
def test_batch_equals_one_at_a_time_on_any_valid_facts(raw: dict[str, Any]) -> None:
    facts = _valid(raw)
    assume(facts is not None)
    assert facts is not None
    _assert_same(facts, _unknown(facts))


def _draw_person(rng: random.Random) -> dict[str, FactValue]:
    """A person's answers to a random share of the questions that apply to them, each drawn
    from the fact's baseline (uniform without one), in pack order so that `ask_when` sees
    the answers it depends on."""
    facts: dict[str, FactValue] = {}
    share = rng.random()
    for fid, fact in PACK.facts.items():
        if fact.asked_by != "patient" or rng.random() > share or not askable(CP, facts, fid, ()):
            continue
        value: FactValue
        if fact.type == "boolean":
            p = fact.baseline.probabilities.get("true", 0.5) if fact.baseline else 0.5
            value = rng.random() < p
        elif fact.type == "choice":
            keys = sorted(fact.choices or {})
            base = fact.baseline.probabilities if fact.baseline else {}
            weights = [base.get(k, 0.0) for k in keys]
            value = rng.choices(keys, weights if sum(weights) > 0 else None)[0]
        else:
            assert fact.minimum is not None and fact.maximum is not None
            value = rng.randint(fact.minimum, fact.maximum)
        if _valid({**facts, fid: value}) is not None:
            facts[fid] = value
    return facts


@pytest.mark.parametrize("seed", range(8))
def test_batch_equals_one_at_a_time_on_seeded_people(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(25):
        facts = _draw_person(rng)
        _assert_same(facts, _asked(facts))


def _steps() -> list[tuple[str, dict[str, FactValue]]]:
    """The answers before each page of each public vignette's replayed interview (typical
    respondent), as `benchmarks/api_load.py` posts them."""
    out = []
    for case in VIGNETTES:
        truth = {k: v for k, v in case.facts.items() if PACK.facts[k].asked_by == "patient"}
        talk = converse(PACK, truth)
        facts: dict[str, FactValue] = {}
        out.append((case.id, facts))
        for page in talk.pages:
            facts = {**facts, **{f: talk.facts[f] for f in page if f in talk.facts}}
            out.append((case.id, facts))
    return out


def test_batch_equals_one_at_a_time_at_every_interview_step() -> None:
    steps = _steps()
    assert len(steps) > len(VIGNETTES) * 5
    for _, facts in steps:
        _assert_same(facts, _asked(facts))


@pytest.mark.parametrize("case", VIGNETTES, ids=lambda c: c.id)
def test_batch_equals_one_at_a_time_on_full_vignettes(case: Any) -> None:
    facts = _valid(dict(case.facts))
    assert facts is not None
    _assert_same(facts, _unknown(facts))
