"""Pydantic models of a knowledge pack.

The pack is the medicine; these models are its grammar. Every number a clinician-editor writes
must carry where it comes from (a bibliography key or a labelled estimate), so the models make
that impossible to forget rather than leaving it to review.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

Language = Literal["en", "es"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
"""The languages every pack's text is written in (`Text` has one field each): the one place
they are listed; the API, FHIR, the CLI and the pages' catalog follow it."""

Site = str
"""A site id the pack declares in pack.yaml `sites` (where the symptom comes from)."""
Level = Literal["routine", "soon", "urgent", "emergency"]
LEVELS: tuple[Level, ...] = get_args(Level)
"""The urgency levels every pathway uses, least urgent first: the one place their order is
written (each pack's urgency.yaml gives them the same ranks, which the validator checks)."""
LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS)}
FactType = Literal["boolean", "integer", "choice"]
Stage = str
"""A stage id the pack declares in stages.yaml (the order of the evaluation)."""
Scalar = bool | int | str


class Strict(BaseModel):
    """Unknown keys in the YAML are typos, so they are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """Patient-facing text in every language the pack supports."""

    en: Annotated[str, Field(min_length=1)]
    es: Annotated[str, Field(min_length=1)]

    def get(self, lang: str) -> str:
        return self.es if lang == "es" else self.en


class Question(Text):
    """A question to bring to the appointment. Questions that ask the same thing in other
    words (three causes each asking about infection tests) share a `topic`: a person is given
    the first of each topic, not all of them."""

    topic: str | None = None


class Cited(Strict):
    """Something that may name bibliography keys and/or an estimate's rationale."""

    source: str | list[str] | None = None
    estimate: str | None = None

    @property
    def source_keys(self) -> list[str]:
        if self.source is None:
            return []
        return [self.source] if isinstance(self.source, str) else list(self.source)


class Basis(Cited):
    """Where a number comes from: a source key, an explicit estimate with its rationale, or both."""

    note: str | None = None

    @model_validator(mode="after")
    def _has_basis(self) -> Basis:
        if not self.source and not self.estimate:
            raise ValueError("a number needs a 'source' (bibliography key) or an 'estimate'")
        return self


def _key(value: Any) -> str:
    """YAML writes true/false as booleans; fact values are compared as strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Matcher(Strict):
    """A comparison on one fact; several keys all have to hold."""

    eq: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    not_in: list[Scalar] | None = None
    gte: int | None = None
    lte: int | None = None
    gt: int | None = None
    lt: int | None = None
    known: bool | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Condition(Strict):
    """All of `facts` hold, and at least one of `any_of` (when given), and none of `none_of`.

    A fact that is unknown never satisfies a comparison, so a rule about a fact that was not
    asked cannot fire by accident; `known: false` is the way to ask about absence.
    """

    facts: dict[str, Matcher] = Field(default_factory=dict)
    any_of: list[Condition] = Field(default_factory=list)
    none_of: list[Condition] = Field(default_factory=list)
    always: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """Let authors write `{age: {gte: 55}, pregnant: "yes"}` instead of nesting."""
        if not isinstance(data, dict):
            return data
        reserved = {"any_of", "none_of", "always", "facts"}
        facts = dict(data.get("facts", {}))
        out: dict[str, Any] = {k: v for k, v in data.items() if k in reserved and k != "facts"}
        for name, raw in data.items():
            if name in reserved:
                continue
            if isinstance(raw, dict):
                facts[name] = raw
            elif isinstance(raw, list):
                facts[name] = {"in": raw}
            else:
                facts[name] = {"eq": raw}
        out["facts"] = facts
        return out

    def fact_names(self) -> set[str]:
        names = set(self.facts)
        for sub in (*self.any_of, *self.none_of):
            names |= sub.fact_names()
        return names


class Probability(Basis):
    p: Annotated[float, Field(gt=0.0, lt=1.0)]


class PriorRule(Basis):
    """The prior that applies when `when` holds; rules are tried in order, first match wins."""

    when: Condition
    p: Annotated[float, Field(gt=0.0, lt=1.0)]


class Prior(Strict):
    default: Probability
    rules: list[PriorRule] = Field(default_factory=list)


class Likelihood(Basis):
    """How often each value of a fact is seen when this cause is present, relative to everyone
    who bleeds after sex (the fact's baseline). 2.0 means twice as common as in that baseline.

    Values not listed share what is left in proportion to the baseline, which keeps the implied
    distribution a proper one; the validator refuses ratios that would need more than 100%.
    """

    fact: str
    lr: dict[str, Annotated[float, Field(gt=0.0)]]

    @field_validator("lr", mode="before")
    @classmethod
    def _string_keys(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {_key(k): v for k, v in value.items()}
        return value


class Treatment(Cited):
    """An option; the validator requires a source or an estimate, as for a number."""

    id: str
    text: Text


class Code(Strict):
    system: Literal["icd10", "icd10cm", "snomed"]
    code: str
    display: str
    when: Condition | None = None
    """Only for people this holds for: one cause can need different codes (atrophy after
    menopause is N95.2; from another low-oestrogen state it is not postmenopausal)."""


class Cause(Strict):
    id: str
    name: Text
    clinical_name: str
    explanation: Text
    site: Site
    stage: Stage
    frequency: Literal["common", "uncommon", "rare"]
    before_evaluation_rank: Annotated[int, Field(ge=1)] | None = None
    """While no exam or test result is known, list this cause no higher than this position.
    For "no cause found", which is an outcome of an evaluation rather than a cause to discuss.
    """
    prior: Prior
    likelihoods: list[Likelihood] = Field(default_factory=list)
    excluded_when: list[Condition] = Field(default_factory=list)
    what_can_be_done: list[Treatment]
    questions: list[Question]
    codes: list[Code] = Field(default_factory=list)
    sources: list[str]


class Choice(Strict):
    label: Text
    hint: Text | None = None
    aliases: list[str] = Field(default_factory=list)
    """Other spellings accepted for this value (and replaced by it), for names that are easy to
    confuse with a cause id, such as `cyst_or_structural`."""
    points_to: Site | None = None
    """An exam or test result that shows where the bleeding comes from: causes at other
    sites that do not mention it are taken to make it uncommon (see `other_site_ratio`)."""


class Bin(Strict):
    """A range of an integer fact that likelihoods can refer to by name."""

    gte: int | None = None
    lt: int | None = None

    def contains(self, value: int) -> bool:
        return (self.gte is None or value >= self.gte) and (self.lt is None or value < self.lt)


class Baseline(Basis):
    """Distribution of a fact's values among people who bleed after sex."""

    probabilities: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]]

    @field_validator("probabilities", mode="before")
    @classmethod
    def _string_keys(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {_key(k): v for k, v in value.items()}
        return value


class Fact(Strict):
    id: str
    type: FactType
    asked_by: Literal["patient", "clinician", "deployment"]
    """Who gives the value: the person (a question), a clinician (an exam or test result), or
    the deployment (a service's choice, such as the screening guidelines it follows: never
    asked, filled from the deployer's setting or else from `default`)."""
    question: Text
    hint: Text | None = None
    choices: dict[str, Choice] | None = None
    minimum: int | None = None
    maximum: int | None = None
    bins: dict[str, Bin] | None = None
    unknown_allowed: bool = True
    ask_when: Condition | None = None
    baseline: Baseline | None = None
    context: bool = False
    own_page: bool = False
    """Never asked in a group: a sensitive question keeps its own page and wording."""
    superseded_by: list[str] = Field(default_factory=list)
    """Facts whose known result replaces this one as evidence (a cytology result replaces the
    memory of the last screening), so the same information is not counted twice."""
    default: str | None = None
    """A deployment fact's value when the deployer has not chosen one (one of its choices)."""

    @model_validator(mode="after")
    def _shape(self) -> Fact:
        if self.type == "choice" and not self.choices:
            raise ValueError("a choice fact needs 'choices'")
        if self.type != "choice" and self.choices:
            raise ValueError("only choice facts have 'choices'")
        if self.type == "integer" and (self.minimum is None or self.maximum is None):
            raise ValueError("an integer fact needs 'minimum' and 'maximum'")
        if self.asked_by == "deployment":
            if self.type != "choice" or self.default not in (self.choices or {}):
                raise ValueError("a deployment fact is a choice with a 'default' among them")
            if self.baseline is not None or self.ask_when is not None:
                raise ValueError("a deployment fact is never asked and is not evidence")
        elif self.default is not None:
            raise ValueError("only a deployment fact has a 'default'")
        return self

    def values(self) -> list[str]:
        """The values likelihoods and baselines are written over."""
        if self.type == "boolean":
            return ["true", "false"]
        if self.type == "choice":
            assert self.choices is not None
            return list(self.choices)
        return list(self.bins or {})


class Inference(Basis):
    """An answer assumed while the person has not given it (shown as an assumption)."""

    id: str
    when: Condition
    set: dict[str, Scalar]
    reason: Text


class Contradiction(Strict):
    """A combination of answers that cannot be true together."""

    when: Condition
    message: str


class WaitingStep(Text):
    """Something to do until help comes; with `when`, only for those it fits (pregnancy
    advice is not given after a hysterectomy)."""

    when: Condition | None = None


class UrgencyLevel(Strict):
    rank: int
    label: Text
    meaning: Text
    while_waiting: list[WaitingStep] = Field(default_factory=list)
    """What to do until help comes, shown under the level's advice (on the emergency page,
    and in the advice box of the results page for the other levels)."""


class UrgencyRule(Basis):
    id: str
    level: Level
    when: Condition
    reason: Text
    red_flag: bool = True
    if_unsure: Text | None = None
    """Said when the person answers "not sure" to the one question the rule reads: a sign
    they could not rule out, and what to do if it is there after all."""


class Urgency(Strict):
    levels: dict[Level, UrgencyLevel]
    baseline_reason: Text
    baseline_source: str
    rules: list[UrgencyRule]
    emergency_signs: Text
    """Said before the interview starts, so nobody answers questions through an emergency;
    it names in plain words the signs the emergency rules test."""


class StageTrigger(Strict):
    """Recommend an item once an evaluation stage opens (and `when` holds, if given)."""

    stage: Stage
    when: Condition | None = None


class WorkupItem(Strict):
    id: str
    name: Text
    why: Text
    tests_for: list[str]
    stage: Stage
    recommend_when: list[Condition]
    when_stage_open: StageTrigger | None = None
    done_when: Condition | None = None
    next_when: list[Condition] = Field(default_factory=list)
    """When the item is the planned next step rather than a check for now: it waits on an
    earlier result (a biopsy after the scan shows a thick lining). Listed as `next`, with
    `next_if` saying what it waits on; never ordered before that result."""
    next_if: Text | None = None
    sources: list[str]

    @model_validator(mode="after")
    def _next(self) -> WorkupItem:
        if bool(self.next_when) != (self.next_if is not None):
            raise ValueError("'next_when' and 'next_if' go together")
        return self


class StageSpec(Strict):
    id: Stage
    title: Text
    description: Text
    always_open: bool = False
    """The first step of every evaluation (the validator requires exactly one, listed first)."""
    opens_when: Condition | None = None
    open_when_common_ruled_out: bool = False
    sources: list[str]


class QuestionGroup(Strict):
    """Several questions asked on one page (docs/interview.md, "Pages").

    `tick`: yes/no questions that rarely apply, as "Do any of these apply?" with a box each
    and "None of these": a ticked box answers yes, an unticked one no (the NHS 111 pattern).
    `form`: a few short questions a history always takes together (about you, about the
    bleeding), each with its own answers and its own "not sure", in the fact's own words;
    a question whose `ask_when` turns on an answer above it on the page shows once that
    answer makes it apply.
    """

    kind: Literal["tick", "form"] = "tick"
    question: Text
    hint: Text | None = None
    none: Text | None = None
    """The exclusive "none of these" answer of a tick group."""
    items: dict[str, Text] | list[str]
    """A tick group: fact id -> the short statement next to its box, in the person's words.
    A form: the fact ids, in the order asked."""

    @property
    def facts(self) -> list[str]:
        return list(self.items)

    def label(self, fact_id: str) -> Text | None:
        """The statement beside a tick box (a form uses the question's own wording)."""
        return self.items.get(fact_id) if isinstance(self.items, dict) else None


class ValueWeights(Strict):
    """How much each change to what the person is told is worth when choosing questions
    (docs/interview.md): a question's value is the expected sum over its answers."""

    urgency_level: Annotated[float, Field(gt=0.0)]
    """Per level the urgency would move."""
    check: Annotated[float, Field(gt=0.0)]
    """Per evaluation that would be added to or dropped from the checks to offer."""
    top_cause: Annotated[float, Field(gt=0.0)]
    """Another cause would be shown first."""
    top_three: Annotated[float, Field(gt=0.0)]
    """Per cause that would enter the first three."""
    margin: Annotated[float, Field(ge=1.0)]
    """How many times more likely a cause must become than the one it displaces for the
    change to count (ties flip on any answer and change nothing a person acts on)."""


class LikelihoodWord(Strict):
    at_least: Annotated[float, Field(ge=0.0, le=1.0)]
    text: Text


class Interview(Strict):
    opening: list[str]
    always: list[str] = Field(default_factory=list)
    """Asked after the opening and any question that could still reveal an emergency,
    whatever their value to the ranking: the symptom itself, which every history takes and
    the visit summary reports (how often, how long, when, how much, what colour)."""
    closing: list[str] = Field(default_factory=list)
    """Asked last, whatever their value to the ranking: facts that change the care offered
    rather than which cause fits (sexual assault, medicines)."""
    groups: dict[str, QuestionGroup] = Field(default_factory=dict)
    value: ValueWeights
    stop_below_value: Annotated[float, Field(gt=0.0)]
    """Stop once no question left has at least this expected value (and every question that
    could raise the urgency has been asked)."""
    max_questions: Annotated[int, Field(gt=0)]
    ruled_out_below: Annotated[float, Field(gt=0.0, lt=1.0)]
    display_at_least: Annotated[float, Field(gt=0.0, lt=1.0)]
    likelihood_words: list[LikelihoodWord]
    """How likely a cause is, in words, beside its number: the first band whose floor the
    probability reaches (highest first, the last at 0)."""

    @model_validator(mode="after")
    def _bands(self) -> Interview:
        floors = [w.at_least for w in self.likelihood_words]
        if not floors or floors != sorted(floors, reverse=True) or floors[-1] != 0.0:
            raise ValueError("likelihood_words: highest floor first, the last one at 0")
        return self


class Source(Strict):
    id: str
    citation: str
    url: str | None = None
    year: int | None = None
    kind: Literal[
        "guideline",
        "systematic_review",
        "cohort",
        "case_series",
        "trial",
        "review",
        "case_report",
        "textbook",
        "patient_leaflet",
        "code_list",
        "other",
    ]


class ProviderQuestion(Strict):
    """A question worth bringing to the appointment when `when` holds (always, if absent)."""

    id: str
    when: Condition | None = None
    text: Text
    topic: str | None = None
    """As `Question.topic`: one question per topic reaches the person."""


class SiteRatio(Basis):
    ratio: Annotated[float, Field(gt=0.0, lt=1.0)]


class DerivedFloor(Basis):
    """How far a derived ratio (for a cause that does not mention a fact) may lower a cause."""

    patient: Annotated[float, Field(gt=0.0, le=1.0)]
    clinician: Annotated[float, Field(gt=0.0, le=1.0)]


class SiteSpec(Strict):
    """Where the symptom can come from, in the order the pathway shows them."""

    id: str
    name: Text
    requires: str | None = None
    """A yes/no fact that must not be false for causes at this site (no cervix, no cervical
    causes)."""


class Wording(Strict):
    """The pathway's words in the pages' templates, which every pathway shares."""

    in_a_sentence: Text
    """The symptom inside a sentence ("bleeding after sex"): "Learn about ...", "If you have
    ..., make an appointment"."""
    sites_heading: Text
    """Above the chances of each site ("Where the bleeding may come from")."""
    sites_explainer: Text
    """What the sites are and how to read their chances."""
    sites_guide: str | None = None
    """The learn guide on how a provider finds the site, linked beside the chances."""
    no_cause_note: Text
    """Said after "the checks find no cause" (what that usually means for this symptom)."""
    meanwhile_prompt: Text
    """The results page's offer of tips for meanwhile (the meanwhile guide's question)."""


class EngineWords(Strict):
    """Words the engine writes into every pathway's assessment (candid/packs/
    shared_wording.yaml): one definition for all packs, loaded beside each pack's own."""

    yes: Text
    no: Text
    starting_odds: Text
    """The first reason for a cause: its prior, as `{percent}`."""

    @field_validator("starting_odds")
    @classmethod
    def _has_percent(cls, text: Text) -> Text:
        for lang in LANGUAGES:
            if "{percent}" not in text.get(lang):
                raise ValueError(f"the {lang} text must contain {{percent}}")
        return text


class PackMeta(Strict):
    """The pathway itself: what makes one symptom's pack different from another's
    (docs/architecture.md, "The pack format")."""

    id: str
    version: str
    title: Text
    clinical_name: Text
    """The symptom in a clinician's words, for records and EHR cards ("Postcoital bleeding")."""
    languages: list[str]
    symptom_codes: list[Code]
    sites: list[SiteSpec]
    leak: str
    """The cause that stands for "nothing found": an outcome of the evaluation, at no site."""
    required_causes: list[str] = Field(default_factory=list)
    required_workup: list[str] = Field(default_factory=list)
    prior_dimensions: list[str] = Field(default_factory=list)
    """Facts every cause's prior must depend on (the population the priors are set for)."""
    other_site_ratio: SiteRatio
    derived_ratio_floor: DerivedFloor
    wording: Wording
    diary: bool = False
    """The symptom diary (episodes of bleeding after sex) belongs to this pathway: its pages
    and visit summary show the diary. One pathway has it; see docs/architecture.md."""


class Pack(Strict):
    meta: PackMeta
    facts: dict[str, Fact]
    contradictions: list[Contradiction]
    inferences: list[Inference]
    causes: dict[str, Cause]
    urgency: Urgency
    workup: dict[str, WorkupItem]
    stages: list[StageSpec]
    interview: Interview
    provider_questions: list[ProviderQuestion]
    sources: dict[str, Source]
    words: EngineWords
    """The engine's own words, shared by every pack (`EngineWords`)."""
