"""The posterior over causes.

Each cause is its own yes/no hypothesis (causes can coexist), updated from its prior by the
likelihood ratios of every known fact. The bleeding needs at least one explanation, so every
probability is then conditioned on "at least one cause is present", with `no_cause_found` as
the leak term. That conditioning is what brings rare causes forward once the common ones are
ruled out (explaining away), at the cost of one product over the causes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from candid.engine.compiled import SITES, CompiledPack, FloatArray, prior_probability
from candid.engine.conditions import Facts

# Keeps log-odds finite for priors of exactly 0 or ratios that drive odds to extremes.
_EPS = 1e-12


@dataclass(frozen=True)
class Posterior:
    prior: FloatArray
    """Prior probability of each cause for this person."""
    logit: FloatArray
    """Log-odds of each cause after the evidence, before conditioning (-inf if impossible)."""
    independent: FloatArray
    """Probability of each cause on its own."""
    probability: FloatArray
    """Probability of each cause given that the bleeding has at least one explanation."""
    any_cause: float
    sites: dict[str, float]


# Distinct people (ages x menopause x pregnancy x ...) are few; the cache stays small, and is
# bounded anyway.
_PRIOR_CACHE_LIMIT = 20_000


def priors(cp: CompiledPack, facts: Facts) -> FloatArray:
    key = tuple(facts.get(f) for f in cp.prior_facts)
    found = cp.prior_cache.get(key)
    if found is None:
        found = np.array([prior_probability(c, facts) for c in cp.causes])
        found.flags.writeable = False
        if len(cp.prior_cache) < _PRIOR_CACHE_LIMIT:
            cp.prior_cache[key] = found
    return found


def evidence_logit(cp: CompiledPack, facts: Facts) -> FloatArray:
    """Sum of log likelihood ratios of every known evidence fact, per cause."""
    total = np.zeros(len(cp.cause_ids))
    for fid, value in facts.items():
        ev = cp.evidence.get(fid)
        if ev is None or not ev.applies(facts):
            continue
        vi = ev.value_index(value)
        if vi is not None:
            total += ev.log_lr[vi]
    return total


def prior_logit(prior: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore"):
        clipped = np.clip(prior, 0.0, 1.0 - _EPS)
        return np.where(clipped > 0, np.log(clipped) - np.log1p(-clipped), -np.inf)


def condition(p: FloatArray) -> tuple[FloatArray, float]:
    """Condition independent probabilities (rows or a vector) on at least one being present."""
    none = np.prod(1.0 - p, axis=-1, keepdims=True)
    any_cause = np.maximum(1.0 - none, _EPS)
    return p / any_cause, float(np.ravel(any_cause)[0])


def sigmoid(x: FloatArray) -> FloatArray:
    with np.errstate(over="ignore"):
        out: FloatArray = 1.0 / (1.0 + np.exp(-x))
    return out


def site_probabilities(cp: CompiledPack, p: FloatArray, any_cause: float) -> dict[str, float]:
    """Chance the bleeding comes at least partly from each site, given it has a cause."""
    out: dict[str, float] = {}
    for site in SITES:
        mask = cp.site_masks[site]
        present = 1.0 - float(np.prod(1.0 - p[mask])) if mask.any() else 0.0
        out[site] = min(present / any_cause, 1.0)
    return out


def posterior(cp: CompiledPack, facts: Facts) -> Posterior:
    prior = priors(cp, facts)
    logit = prior_logit(prior) + evidence_logit(cp, facts)
    independent = sigmoid(logit)
    probability, any_cause = condition(independent)
    return Posterior(
        prior=prior,
        logit=logit,
        independent=independent,
        probability=probability,
        any_cause=any_cause,
        sites=site_probabilities(cp, independent, any_cause),
    )
