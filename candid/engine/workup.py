"""The evaluations to offer, in the order of the evaluation (stages)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from candid.engine.compiled import CompiledPack, FloatArray
from candid.engine.conditions import Facts


@dataclass(frozen=True)
class WorkupEntry:
    id: str
    stage: str
    status: str
    """"recommended" (offer it now), "done" (its result is known) or "next" (the planned step
    once an earlier result is in: the pack's `next_when`)."""


def open_stages(cp: CompiledPack, facts: Facts, probability: FloatArray) -> list[str]:
    """The always-open stage; later stages when their condition holds or, for a stage that
    opens so, when every common cause has been ruled out."""
    opened: list[str] = []
    threshold = cp.pack.interview.ruled_out_below
    for spec in cp.pack.stages:
        test = cp.stage_opens.get(spec.id)
        if spec.always_open or (test is not None and test(facts)):
            opened.append(spec.id)
        elif spec.open_when_common_ruled_out:
            common = probability[cp.common_mask]
            if common.size and bool(np.all(common < threshold)):
                opened.append(spec.id)
    return opened


def _by_stage(cp: CompiledPack, wid: str, facts: Facts, opened: list[str]) -> bool:
    gate = cp.workup_stage.get(wid)
    if gate is None or gate[0] not in opened:
        return False
    return gate[1] is None or gate[1](facts)


def workup(cp: CompiledPack, facts: Facts, opened: list[str]) -> list[WorkupEntry]:
    entries: list[WorkupEntry] = []
    for wid, item in cp.pack.workup.items():
        done_test = cp.workup_done[wid]
        done = done_test is not None and done_test(facts)
        recommended = any(test(facts) for test in cp.workup_recommend[wid])
        if done or recommended or _by_stage(cp, wid, facts, opened):
            status = "done" if done else "recommended"
        elif any(test(facts) for test in cp.workup_next[wid]):
            status = "next"
        else:
            continue
        entries.append(WorkupEntry(wid, item.stage, status))
    order = [s.id for s in cp.pack.stages]
    later = {"recommended": 0, "next": 1, "done": 2}
    entries.sort(key=lambda e: (later[e.status], order.index(e.stage)))
    return entries
