"""The posterior over causes.

Each cause is its own yes/no hypothesis (causes can coexist), updated from its prior by the
likelihood ratios of every known fact. The symptom needs at least one explanation, so every
probability is then conditioned on "at least one cause is present", with the pack's `leak`
("nothing found") as the leak term. That conditioning is what brings rare causes forward once
the common ones are ruled out (explaining away), at the cost of one product over the causes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from candid.engine.compiled import CompiledPack, FloatArray, prior_probability
from candid.engine.conditions import Facts

# Keeps log-odds finite for priors of exactly 0 or ratios that drive odds to extremes.
_EPS = 1e-12


@dataclass(frozen=True)
class Posterior:
    cp: CompiledPack = field(repr=False, compare=False)
    prior: FloatArray
    """Prior probability of each cause for this person."""
    logit: FloatArray
    """Log-odds of each cause after the evidence, before conditioning (-inf if impossible)."""
    independent: FloatArray
    """Probability of each cause on its own."""
    probability: FloatArray
    """Probability of each cause given that the bleeding has at least one explanation."""
    any_cause: float
    used: tuple[tuple[str, int], ...]
    """(fact, answer row) of each fact that moved the causes; what the explanations show."""

    @cached_property
    def sites(self) -> dict[str, float]:
        """Chance the bleeding comes at least partly from each site (`site_probabilities`):
        worked out when read, since only the full report shows it, not an interview step."""
        return site_probabilities(self.cp, self.independent, self.any_cause)


# Distinct people (ages x menopause x pregnancy x ...) are few; the cache stays small, and is
# bounded anyway.
_PRIOR_CACHE_LIMIT = 20_000


def priors(cp: CompiledPack, facts: Facts) -> tuple[FloatArray, FloatArray]:
    """Prior probabilities and their log-odds, for this person."""
    key = tuple(facts.get(f) for f in cp.prior_facts)
    found = cp.prior_cache.get(key)
    if found is None:
        prior = np.array([prior_probability(c, facts) for c in cp.causes])
        logit = prior_logit(prior)
        prior.flags.writeable = logit.flags.writeable = False
        found = (prior, logit)
        if len(cp.prior_cache) < _PRIOR_CACHE_LIMIT:
            cp.prior_cache[key] = found
    return found


def used_evidence(cp: CompiledPack, facts: Facts) -> tuple[tuple[str, int], ...]:
    """(fact, answer row) of every known fact that counts as evidence: not superseded by a
    more specific fact that is known, and an answer the fact's ratios cover."""
    used = []
    for fid, value in facts.items():
        ev = cp.evidence.get(fid)
        if ev is None or not ev.applies(facts):
            continue
        vi = ev.value_index(value)
        if vi is not None:
            used.append((fid, vi))
    return tuple(used)


def evidence_logit(cp: CompiledPack, used: tuple[tuple[str, int], ...]) -> FloatArray:
    """Sum of log likelihood ratios of the evidence used, per cause."""
    total = np.zeros(len(cp.cause_ids))
    for fid, vi in used:
        total += cp.evidence[fid].log_lr[vi]
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
    # One row per site: 1 - p for that site's causes, 1 (no effect on the product) elsewhere.
    none_at_site = np.prod(np.where(cp.site_matrix, 1.0 - p, 1.0), axis=1)
    present = np.minimum((1.0 - none_at_site) / any_cause, 1.0).tolist()
    return dict(zip(cp.site_ids, present, strict=True))


def posterior(cp: CompiledPack, facts: Facts) -> Posterior:
    prior, logit_before = priors(cp, facts)
    used = used_evidence(cp, facts)
    logit = logit_before + evidence_logit(cp, used)
    independent = sigmoid(logit)
    probability, any_cause = condition(independent)
    return Posterior(
        cp=cp,
        prior=prior,
        logit=logit,
        independent=independent,
        probability=probability,
        any_cause=any_cause,
        used=used,
    )
