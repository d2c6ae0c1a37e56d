"""The order in which causes are shown: what the results page, the API and the choice of
the next question all mean by "the first three causes"."""

from __future__ import annotations

import numpy as np

from candid.engine.compiled import CompiledPack
from candid.engine.conditions import Facts
from candid.engine.infer import Posterior


def ranking(cp: CompiledPack, facts: Facts, post: Posterior) -> list[int]:
    """Causes by probability; before any exam or test result, a cause with a
    `before_evaluation_rank` is moved down to that position (never up)."""
    order: list[int] = np.argsort(-post.probability, kind="stable").tolist()
    if not cp.clinician_facts.isdisjoint(facts):
        return order
    for k, position in cp.before_evaluation_rank.items():
        current = order.index(k)
        target = max(current, position - 1)
        if target != current:
            order.insert(target, order.pop(current))
    return order
