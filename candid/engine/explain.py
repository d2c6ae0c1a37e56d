"""Reasons for and against each cause, read off the same ratios the posterior used."""

from __future__ import annotations

import math

from candid.engine.compiled import CompiledPack
from candid.engine.conditions import Facts, FactValue
from candid.engine.infer import Posterior
from candid.knowledge.models import Fact

# Ratios this close to 1 do not move a cause enough to be worth a reason.
_NEUTRAL = 0.1
_YES_NO = {"en": ("Yes", "No"), "es": ("Sí", "No")}


def answer_label(fact: Fact, value: FactValue, lang: str) -> str:
    if fact.type == "boolean":
        yes, no = _YES_NO.get(lang, _YES_NO["en"])
        return yes if value is True else no
    if fact.type == "choice" and fact.choices and isinstance(value, str):
        choice = fact.choices.get(value)
        if choice is not None:
            return choice.label.get(lang)
    return str(value)


def describe(fact: Fact, value: FactValue, lang: str) -> str:
    """'Question — answer' reads plainly for both patient questions and exam results."""
    return f"{fact.question.get(lang)} — {answer_label(fact, value, lang)}"


def evidence_for(
    cp: CompiledPack, facts: Facts, cause_index: int, lang: str
) -> list[tuple[str, FactValue, float, str, list[str]]]:
    """(fact, value, ratio, text, citations) for every known fact that moves this cause."""
    cid = cp.cause_ids[cause_index]
    by_fact = {lik.fact: lik for lik in cp.pack.causes[cid].likelihoods}
    out = []
    for fid, value in facts.items():
        ev = cp.evidence.get(fid)
        lik = by_fact.get(fid)
        if ev is None or lik is None:
            continue
        vi = ev.value_index(value)
        if vi is None:
            continue
        ratio = float(ev.lr[vi, cause_index])
        if abs(math.log(ratio)) < _NEUTRAL:
            continue
        cites = lik.source_keys
        out.append((fid, value, ratio, describe(cp.pack.facts[fid], value, lang), cites))
    out.sort(key=lambda item: -abs(math.log(item[2])))
    return out


def prior_reason(post: Posterior, cause_index: int, lang: str) -> str | None:
    p = float(post.prior[cause_index])
    if p <= 0:
        return None
    pct = f"{p * 100:.0f}%" if p >= 0.01 else "<1%"
    if lang == "es":
        return f"Frecuencia de partida en personas como usted: {pct}"
    return f"How often it is found in people like you before other answers: {pct}"
