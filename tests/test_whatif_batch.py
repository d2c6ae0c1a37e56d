"""`decision.question_values` plays out every answer of every candidate question as one numpy
batch; `question_values_one_at_a_time` plays each one out through the whole assessment. The
batch is only a faster way of doing the same arithmetic in the same order, so the two must be
equal exactly (`==` on floats, no tolerance): any difference, even in the last bit, would be
a sign that the batch computes something else, and could change which question is asked.

Checked on random answers (hypothesis over every fact, and seeded draws of patient answers
that follow the pack's baselines and `ask_when`), on every call the interview makes while
every public vignette is replayed, and on every vignette's full facts (exam findings
included, which change the ranking rule). Values are sums of a few terms, so a last-bit change in a
posterior seldom shows in them: each what-if row's posterior is also compared bit for bit
with `told`'s, with its urgency, first causes and checks."""

from __future__ import annotations

import random
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings

from candid.engine import next_question as next_question_module
from candid.engine.compiled import CompiledPack, compiled, with_assumptions
from candid.engine.conditions import Facts, FactValue
from candid.engine.decision import (
    answer_probabilities,
    question_values,
    question_values_one_at_a_time,
    told,
    what_if_batch,
)
from candid.engine.facts import FactsError, validate_facts
from candid.engine.infer import Posterior, posterior
from candid.engine.next_question import askable
from candid.engine.triage import Triage, triage
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


def _assert_rows_exact(facts: Facts, candidates: Collection[str]) -> None:
    """Stronger than equal values (a last-bit change in a posterior rarely moves a value):
    each what-if row of the batch tells exactly what `told` says for those answers, the
    probabilities compared bit for bit."""
    effective, _ = with_assumptions(CP, facts)
    post = posterior(CP, effective)
    batch, _ = what_if_batch(CP, facts, post, answer_probabilities(CP, post, candidates))
    rows = batch.outcome()
    now = told(CP, facts)
    for i, value in enumerate(batch.values):
        fid = batch.fids[i - 1] if i else None
        # row 0: the answers as they are
        alone = now if fid is None or value is None else told(CP, {**facts, fid: value})
        where = f"{facts} + {fid}={value!r}"
        assert rows.probability[i].tobytes() == alone.probability.tobytes(), where
        assert int(rows.rank[i]) == alone.rank, where
        assert tuple(k for k in rows.top[i].tolist() if k >= 0) == alone.top, where
        assert int(rows.changed_checks[i]) == len(alone.checks ^ now.checks), where


def _valid(raw: dict[str, Any]) -> dict[str, FactValue] | None:
    try:
        return validate_facts(PACK, raw, CP.contradictions)
    except FactsError:
        return None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts_strategy(PACK))
def test_batch_equals_one_at_a_time_on_any_valid_facts(raw: dict[str, Any]) -> None:
    facts = _valid(raw)
    assume(facts is not None)
    assert facts is not None
    _assert_same(facts, _unknown(facts))
    _assert_rows_exact(facts, _unknown(facts))
    _assert_rows_exact(facts, _unknown(facts))


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
        _assert_rows_exact(facts, _asked(facts))


def test_batch_equals_one_at_a_time_at_every_interview_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every call the interview makes while each public vignette is replayed (typical
    respondent: the answers `benchmarks/api_load.py` posts step by step), with exactly the
    answers, posterior, urgency and candidate questions the engine passes."""
    weighed: list[tuple[Facts, Collection[str]]] = []
    batched = question_values

    def checked(
        cp: CompiledPack, facts: Facts, post: Posterior, candidates: Collection[str], tri: Triage
    ) -> dict[str, float]:
        values = batched(cp, facts, post, candidates, tri)
        assert values == question_values_one_at_a_time(cp, facts, post, candidates), facts
        weighed.append((dict(facts), list(candidates)))
        return values

    monkeypatch.setattr(next_question_module, "question_values", checked)
    for case in VIGNETTES:
        converse(PACK, {k: v for k, v in case.facts.items() if PACK.facts[k].asked_by == "patient"})
    assert len(weighed) > 2 * len(VIGNETTES)
    for facts, candidates in weighed[::7]:  # every answer told the long way: slow
        _assert_rows_exact(facts, candidates)


@pytest.mark.parametrize("case", VIGNETTES, ids=lambda c: c.id)
def test_batch_equals_one_at_a_time_on_full_vignettes(case: Any) -> None:
    facts = _valid(dict(case.facts))
    assert facts is not None
    _assert_same(facts, _unknown(facts))
    _assert_rows_exact(facts, _unknown(facts))
