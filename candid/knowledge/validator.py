"""Checks a parsed pack for what pydantic cannot see: references between files, coherent
probabilities, and coverage of the design's contract.

Each check returns problems instead of raising so an editor sees everything at once.
"""

from __future__ import annotations

from collections.abc import Iterator

from candid.knowledge.models import LEVEL_RANK, LEVELS, Basis, Condition, Fact, Pack, Treatment
from candid.knowledge.problems import Problem

PLACEHOLDERS = ("todo", "tbd", "lorem", "placeholder", "xxx")
# Tolerance on a distribution that lists every value: editors write rounded numbers.
SUM_TOLERANCE = 0.2


def check_pack(pack: Pack) -> list[Problem]:
    checks = (
        _coverage,
        _sources,
        _fact_shapes,
        _conditions,
        _likelihoods,
        _priors,
        _patient_text,
        _unused_facts,
        _workup_refs,
    )
    return [problem for check in checks for problem in check(pack)]


def _pathway_shape(pack: Pack) -> Iterator[Problem]:
    """The pathway's own vocabulary (sites, stages, the leak) is declared once and every
    cause, finding and workup item uses it."""
    sites = [s.id for s in pack.meta.sites]
    stages = [s.id for s in pack.stages]
    if len(set(sites)) != len(sites):
        yield Problem("pack.yaml", "sites", "a site id is declared twice")
    for spec in pack.meta.sites:
        fact = pack.facts.get(spec.requires) if spec.requires else None
        if spec.requires and (fact is None or fact.type != "boolean"):
            yield Problem("pack.yaml", f"sites.{spec.id}.requires", "must name a yes/no fact")
    if pack.meta.leak not in pack.causes:
        yield Problem("pack.yaml", "leak", f"'{pack.meta.leak}' is not a cause")
    for dim in pack.meta.prior_dimensions:
        if dim not in pack.facts:
            yield Problem("pack.yaml", "prior_dimensions", f"'{dim}' is not a fact")
    if not pack.stages or [s.always_open for s in pack.stages].count(True) != 1:
        yield Problem("stages.yaml", "always_open", "exactly one stage is always open")
    elif not pack.stages[0].always_open:
        yield Problem("stages.yaml", pack.stages[0].id, "the always-open stage comes first")
    for cid, cause in pack.causes.items():
        if cause.site not in sites:
            yield Problem(f"causes/{cid}.yaml", "site", f"'{cause.site}' is not in pack.yaml sites")
        if cause.stage not in stages:
            yield Problem(f"causes/{cid}.yaml", "stage", f"'{cause.stage}' is not a stage")
    for fid, fact in pack.facts.items():
        for value, choice in (fact.choices or {}).items():
            if choice.points_to is not None and choice.points_to not in sites:
                yield Problem("facts.yaml", f"{fid}.{value}.points_to", "is not a declared site")
    for wid, item in pack.workup.items():
        if item.stage not in stages:
            yield Problem("workup.yaml", f"{wid}.stage", f"'{item.stage}' is not a stage")
        if item.when_stage_open is not None and item.when_stage_open.stage not in stages:
            yield Problem("workup.yaml", f"{wid}.when_stage_open", "is not a stage")


def _coverage(pack: Pack) -> Iterator[Problem]:
    for cid in pack.meta.required_causes:
        if cid not in pack.causes:
            yield Problem("causes/", cid, "required cause is missing")
    for wid in pack.meta.required_workup:
        if wid not in pack.workup:
            yield Problem("workup.yaml", wid, "required workup item is missing")
    yield from _pathway_shape(pack)
    for level in LEVELS:
        if level not in pack.urgency.levels:
            yield Problem("urgency.yaml", f"levels.{level}", "required urgency level is missing")
        elif pack.urgency.levels[level].rank != LEVEL_RANK[level]:
            yield Problem("urgency.yaml", f"levels.{level}.rank", f"must be {LEVEL_RANK[level]}")
    emergency = pack.urgency.levels.get("emergency")
    if emergency is not None and not emergency.while_waiting:
        yield Problem("urgency.yaml", "levels.emergency.while_waiting", "says what to do meanwhile")
    lists = (
        ("opening", pack.interview.opening),
        ("always", pack.interview.always),
        ("closing", pack.interview.closing),
    )
    for key, fids in lists:
        for fid in fids:
            if fid not in pack.facts:
                yield Problem("interview.yaml", key, f"unknown fact '{fid}'")
            elif pack.facts[fid].asked_by != "patient":
                yield Problem("interview.yaml", key, f"'{fid}' is not asked of the person")
    yield from _groups(pack)
    yield from _unsure_cautions(pack)
    yield from _question_topics(pack)


def _question_topics(pack: Pack) -> Iterator[Problem]:
    """A topic is shared by questions that ask the same thing: one used once is a typo."""
    used: dict[str, list[str]] = {}
    for q in pack.provider_questions:
        if q.topic:
            used.setdefault(q.topic, []).append(f"provider_questions.yaml {q.id}")
    for cid, cause in pack.causes.items():
        for i, question in enumerate(cause.questions):
            if question.topic:
                used.setdefault(question.topic, []).append(f"causes/{cid}.yaml questions[{i}]")
    for topic, where in used.items():
        if len(where) < 2:
            yield Problem(where[0].split()[0], where[0].split()[1], f"topic '{topic}' is used once")


def _unsure_cautions(pack: Pack) -> Iterator[Problem]:
    """`if_unsure` speaks to one question the person can answer "not sure": a rule that reads
    several facts, or a clinician's, has no single question to be unsure of."""
    for i, rule in enumerate(pack.urgency.rules):
        if rule.if_unsure is None:
            continue
        names = rule.when.fact_names()
        fact = pack.facts.get(next(iter(names))) if len(names) == 1 else None
        if fact is None or fact.asked_by != "patient" or not fact.unknown_allowed:
            yield Problem(
                "urgency.yaml",
                f"rules[{i}].if_unsure",
                "only on a rule that reads one question the person may answer 'not sure'",
            )


def _groups(pack: Pack) -> Iterator[Problem]:
    """A page holds questions put to the person, none of them sensitive, each on one page
    only (a fact answered on two pages could get two answers). A tick group holds yes/no
    questions with a statement each and a "none of these"; a form holds any questions, in
    their own words, and shows a question after the answers its `ask_when` turns on."""
    seen: dict[str, str] = {}
    for gid, group in pack.interview.groups.items():
        if len(group.items) < 2:
            yield Problem("interview.yaml", f"groups.{gid}", "a group needs at least two items")
        tick = group.kind == "tick"
        if tick and (not isinstance(group.items, dict) or group.none is None):
            yield Problem(
                "interview.yaml",
                f"groups.{gid}",
                "a tick group maps each fact to its statement and has a `none` answer",
            )
        if not tick and (isinstance(group.items, dict) or group.none is not None):
            yield Problem(
                "interview.yaml",
                f"groups.{gid}",
                "a form lists its facts (each asked in its own words) and has no `none`",
            )
        for i, fid in enumerate(group.facts):
            where = f"groups.{gid}.items.{fid}"
            fact = pack.facts.get(fid)
            if fact is None:
                yield Problem("interview.yaml", where, "unknown fact")
                continue
            if fact.asked_by != "patient":
                yield Problem("interview.yaml", where, "only questions to the person")
            elif tick and fact.type != "boolean":
                yield Problem("interview.yaml", where, "a tick group holds yes/no questions only")
            if fact.own_page:
                yield Problem("interview.yaml", where, "this question keeps its own page")
            if fid in seen:
                yield Problem("interview.yaml", where, f"already in group '{seen[fid]}'")
            seen[fid] = gid
            later = set(group.facts[i + 1 :])
            if fact.ask_when is not None and fact.ask_when.fact_names() & later:
                yield Problem(
                    "interview.yaml",
                    where,
                    "asked after the answers it depends on: move it below them",
                )


def bases(pack: Pack) -> Iterator[tuple[str, str, Basis | Treatment]]:
    yield "pack.yaml", "other_site_ratio", pack.meta.other_site_ratio
    yield "pack.yaml", "derived_ratio_floor", pack.meta.derived_ratio_floor
    for fid, fact in pack.facts.items():
        if fact.baseline is not None:
            yield "facts.yaml", f"{fid}.baseline", fact.baseline
    for cid, cause in pack.causes.items():
        file = f"causes/{cid}.yaml"
        yield file, "prior.default", cause.prior.default
        for i, rule in enumerate(cause.prior.rules):
            yield file, f"prior.rules.{i}", rule
        for i, lik in enumerate(cause.likelihoods):
            yield file, f"likelihoods.{i} ({lik.fact})", lik
        for t in cause.what_can_be_done:
            yield file, f"what_can_be_done.{t.id}", t
    for urule in pack.urgency.rules:
        yield "urgency.yaml", f"rules.{urule.id}", urule
    for inf in pack.inferences:
        yield "inferences.yaml", inf.id, inf


def _sources(pack: Pack) -> Iterator[Problem]:
    known = set(pack.sources)
    for file, key, basis in bases(pack):
        if isinstance(basis, Treatment) and not basis.source_keys and not basis.estimate:
            yield Problem(file, key, "needs a 'source' or an 'estimate'")
        for ref in basis.source_keys:
            if ref not in known:
                yield Problem(file, key, f"source '{ref}' is not in sources.yaml")
    for cid, cause in pack.causes.items():
        for ref in cause.sources:
            if ref not in known:
                yield Problem(f"causes/{cid}.yaml", "sources", f"'{ref}' is not in sources.yaml")
    for wid, item in pack.workup.items():
        for ref in item.sources:
            if ref not in known:
                yield Problem("workup.yaml", f"{wid}.sources", f"'{ref}' is not in sources.yaml")
    for stage in pack.stages:
        for ref in stage.sources:
            if ref not in known:
                yield Problem("stages.yaml", f"{stage.id}.sources", f"'{ref}' is unknown")
    if pack.urgency.baseline_source not in known:
        yield Problem("urgency.yaml", "baseline_source", "is not in sources.yaml")


def _fact_shapes(pack: Pack) -> Iterator[Problem]:
    for fid, fact in pack.facts.items():
        choice_names = set(fact.choices or {})
        for value, choice in (fact.choices or {}).items():
            for alias in choice.aliases:
                if alias in choice_names:
                    yield Problem(
                        "facts.yaml", f"{fid}.choices.{value}", f"alias '{alias}' is a value"
                    )
        for other in fact.superseded_by:
            if other not in pack.facts:
                yield Problem("facts.yaml", f"{fid}.superseded_by", f"unknown fact '{other}'")
        if fact.type == "integer" and fact.bins:
            for name, b in fact.bins.items():
                if b.gte is None and b.lt is None:
                    yield Problem("facts.yaml", f"{fid}.bins.{name}", "a bin needs gte or lt")
        if fact.baseline is None:
            continue
        values = fact.values()
        if not values:
            yield Problem("facts.yaml", f"{fid}.baseline", "an integer fact needs bins")
            continue
        given = fact.baseline.probabilities
        for v in given:
            if v not in values:
                yield Problem("facts.yaml", f"{fid}.baseline", f"'{v}' is not a value of {fid}")
        missing = [v for v in values if v not in given]
        if missing:
            yield Problem("facts.yaml", f"{fid}.baseline", f"no probability for {missing}")
        total = sum(given.values())
        if abs(total - 1.0) > 0.011:
            yield Problem("facts.yaml", f"{fid}.baseline", f"probabilities sum to {total:.3f}")
        if any(p <= 0 for p in given.values()):
            yield Problem("facts.yaml", f"{fid}.baseline", "every value needs a probability > 0")


def _all_conditions(pack: Pack) -> Iterator[tuple[str, str, Condition]]:
    for fid, fact in pack.facts.items():
        if fact.ask_when is not None:
            yield "facts.yaml", f"{fid}.ask_when", fact.ask_when
    for i, c in enumerate(pack.contradictions):
        yield "contradictions.yaml", str(i), c.when
    for inf in pack.inferences:
        yield "inferences.yaml", f"{inf.id}.when", inf.when
        yield "inferences.yaml", f"{inf.id}.set", Condition.model_validate(inf.set)
    for cid, cause in pack.causes.items():
        for i, rule in enumerate(cause.prior.rules):
            yield f"causes/{cid}.yaml", f"prior.rules.{i}.when", rule.when
        for i, cond in enumerate(cause.excluded_when):
            yield f"causes/{cid}.yaml", f"excluded_when.{i}", cond
        for i, code in enumerate(cause.codes):
            if code.when is not None:
                yield f"causes/{cid}.yaml", f"codes.{i}.when", code.when
    for urule in pack.urgency.rules:
        yield "urgency.yaml", f"rules.{urule.id}.when", urule.when
    for wid, item in pack.workup.items():
        for i, cond in enumerate(item.recommend_when):
            yield "workup.yaml", f"{wid}.recommend_when.{i}", cond
        for i, cond in enumerate(item.next_when):
            yield "workup.yaml", f"{wid}.next_when.{i}", cond
        if item.done_when is not None:
            yield "workup.yaml", f"{wid}.done_when", item.done_when
        if item.when_stage_open is not None and item.when_stage_open.when is not None:
            yield "workup.yaml", f"{wid}.when_stage_open.when", item.when_stage_open.when
    for stage in pack.stages:
        if stage.opens_when is not None:
            yield "stages.yaml", f"{stage.id}.opens_when", stage.opens_when
    for q in pack.provider_questions:
        if q.when is not None:
            yield "provider_questions.yaml", f"{q.id}.when", q.when


def _value_ok(fact: Fact, value: object) -> bool:
    if fact.type == "boolean":
        return isinstance(value, bool)
    if fact.type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str) and value in (fact.choices or {})


def check_condition(pack: Pack, file: str, key: str, cond: Condition) -> Iterator[Problem]:
    for name, m in cond.facts.items():
        fact = pack.facts.get(name)
        if fact is None:
            yield Problem(file, key, f"unknown fact '{name}'")
            continue
        values = [v for v in (m.eq, *(m.in_ or []), *(m.not_in or [])) if v is not None]
        for v in values:
            if not _value_ok(fact, v):
                yield Problem(file, key, f"{v!r} is not a valid value of '{name}'")
        if fact.type != "integer" and any(x is not None for x in (m.gte, m.lte, m.gt, m.lt)):
            yield Problem(file, key, f"'{name}' is not a number; use eq or in")
    for sub in (*cond.any_of, *cond.none_of):
        yield from check_condition(pack, file, key, sub)


def _conditions(pack: Pack) -> Iterator[Problem]:
    for file, key, cond in _all_conditions(pack):
        yield from check_condition(pack, file, key, cond)


def _likelihoods(pack: Pack) -> Iterator[Problem]:
    for cid, cause in pack.causes.items():
        file = f"causes/{cid}.yaml"
        seen: set[str] = set()
        for i, lik in enumerate(cause.likelihoods):
            key = f"likelihoods.{i} ({lik.fact})"
            fact = pack.facts.get(lik.fact)
            if fact is None:
                yield Problem(file, key, f"unknown fact '{lik.fact}'")
                continue
            if lik.fact in seen:
                yield Problem(file, key, "the same fact is listed twice")
            seen.add(lik.fact)
            if fact.context:
                yield Problem(file, key, f"'{lik.fact}' sets priors; use prior rules instead")
                continue
            if fact.baseline is None:
                yield Problem(file, key, f"'{lik.fact}' has no baseline in facts.yaml")
                continue
            base = fact.baseline.probabilities
            bad = [v for v in lik.lr if v not in base]
            if bad:
                yield Problem(file, key, f"{bad} are not values of '{lik.fact}'")
                continue
            implied = {v: lik.lr[v] * base[v] for v in lik.lr}
            over = [v for v, p in implied.items() if p > 1.0]
            if over:
                yield Problem(file, key, f"implies a probability above 1 for {over}")
            total = sum(implied.values())
            if len(lik.lr) == len(base):
                if abs(total - 1.0) > SUM_TOLERANCE:
                    yield Problem(
                        file,
                        key,
                        f"ratios over all values imply a total of {total:.2f}; "
                        "they should describe a distribution (about 1)",
                    )
            elif total >= 1.0:
                yield Problem(
                    file,
                    key,
                    f"listed values already take {total:.2f} of the probability; "
                    "unlisted values would get none",
                )


def _priors(pack: Pack) -> Iterator[Problem]:
    for cid, cause in pack.causes.items():
        mentioned: set[str] = set()
        for rule in cause.prior.rules:
            mentioned |= rule.when.fact_names()
        for dim in pack.meta.prior_dimensions:
            if dim not in mentioned:
                yield Problem(
                    f"causes/{cid}.yaml", "prior.rules", f"no prior rule depends on '{dim}'"
                )


def _texts(pack: Pack) -> Iterator[tuple[str, str, str]]:
    for cid, cause in pack.causes.items():
        file = f"causes/{cid}.yaml"
        for field, text in (("name", cause.name), ("explanation", cause.explanation)):
            yield file, field, text.en  # Spanish "todo" is a word, not a placeholder
        for t in cause.what_can_be_done:
            yield file, f"what_can_be_done.{t.id}", t.text.en
        for i, q in enumerate(cause.questions):
            yield file, f"questions.{i}", q.en


def _patient_text(pack: Pack) -> Iterator[Problem]:
    for cid, cause in pack.causes.items():
        file = f"causes/{cid}.yaml"
        if not cause.what_can_be_done:
            yield Problem(file, "what_can_be_done", "a cause needs at least one option")
        if not cause.questions:
            yield Problem(file, "questions", "a cause needs at least one patient question")
        if len(cause.explanation.en.split()) < 12:
            yield Problem(file, "explanation", "the patient explanation is too short")
    for file, key, text in _texts(pack):
        lowered = text.lower()
        if any(word in lowered.split() for word in PLACEHOLDERS):
            yield Problem(file, key, "contains placeholder text")


def _used_facts(pack: Pack) -> set[str]:
    used: set[str] = set()
    for file, _key, cond in _all_conditions(pack):
        if file == "facts.yaml":  # asking a question does not make it useful
            continue
        used |= cond.fact_names()
    for cause in pack.causes.values():
        used |= {lik.fact for lik in cause.likelihoods}
    return used


def _unused_facts(pack: Pack) -> Iterator[Problem]:
    used = _used_facts(pack)
    for fid in pack.facts:
        if fid not in used:
            yield Problem("facts.yaml", fid, "no cause, rule, workup item or question uses it")


def _workup_refs(pack: Pack) -> Iterator[Problem]:
    for wid, item in pack.workup.items():
        for cid in item.tests_for:
            if cid not in pack.causes:
                yield Problem("workup.yaml", f"{wid}.tests_for", f"unknown cause '{cid}'")
        if not item.recommend_when:
            yield Problem("workup.yaml", f"{wid}.recommend_when", "never recommended")
