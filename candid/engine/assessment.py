"""The assessment: the one output shape shared by the CLI, the API and the pages
(docs/architecture.md, "The assessment")."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

import msgspec

from candid.knowledge.models import Level

FactValueOut = bool | int | str
T = TypeVar("T")


class Out(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Typed, not validated when built: the engine is the only writer, mypy checks what it
    passes, and every assessment is built per request, so validating ~60 objects each time
    would cost more than the engine's inference (docs/architecture.md, "The assessment").
    Decoding (`read`) checks every type. frozen: the parts that depend only on the pack and
    the language are built once and shared between assessments (candid.engine.present)."""


class UrgencyOut(Out, frozen=True, kw_only=True):
    level: Level
    label: str
    meaning: str
    reasons: list[str]
    leading: int = 0
    """How many of the reasons, the first ones, set the level; the rest are true too but
    would call for less on their own (an emergency page leads with the first)."""
    red_flags: list[str]
    interrupt: bool
    citations: list[str]
    cautions: list[str] = []
    """For each emergency sign the person was not sure of: what to do if it is there."""
    while_waiting: list[str] = []
    """What to do until help comes (emergency advice), for this person."""


class SiteOut(Out, frozen=True, kw_only=True):
    """Where the symptom may come from (a site the pathway declares), with its name."""

    site: str
    name: str
    probability: float


class EvidenceOut(Out, frozen=True, kw_only=True):
    fact: str
    value: FactValueOut
    direction: str  # "for" or "against"
    ratio: float
    text: str
    citations: list[str]
    derived: bool = False
    """The ratio was derived from the fact's baseline and the other causes, not written."""


class CodeOut(Out, frozen=True, kw_only=True):
    system: str
    code: str
    display: str


class CauseOut(Out, frozen=True, kw_only=True):
    id: str
    name: str
    probability: float
    prior: float
    site: str
    stage: str
    likely: bool
    likelihood: str
    """How likely, in words (the pack's `likelihood_words`)."""
    no_cause: bool = False
    """This entry is the chance that the checks find no cause, not a cause."""
    explanation: str
    for_: list[str] = msgspec.field(name="for")
    against: list[str]
    evidence: list[EvidenceOut]
    what_can_be_done: list[str]
    questions: list[str]
    codes: list[CodeOut]
    citations: list[str]


class WorkupOut(Out, frozen=True, kw_only=True):
    id: str
    name: str
    why: str
    tests_for: list[str]
    stage: str
    status: str
    """recommended, done, or next: the planned step once an earlier result is in."""
    next_if: str | None = None
    """For a next step: the result it waits on ("if the scan shows a thick lining")."""
    citations: list[str]


class StageOut(Out, frozen=True, kw_only=True):
    id: str
    title: str
    description: str
    open: bool


class OptionOut(Out, frozen=True, kw_only=True):
    value: FactValueOut
    label: str
    hint: str | None = None


class FormQuestionOut(Out, frozen=True, kw_only=True):
    """A question's words and answers, as a form page asks it."""

    fact: str
    text: str
    hint: str | None
    type: str
    choices: list[FactValueOut]
    options: list[OptionOut]
    minimum: int | None = None
    maximum: int | None = None
    unknown_allowed: bool = True
    """Whether to offer "I'm not sure" (false when an answer already says it)."""


class QuestionOut(FormQuestionOut, frozen=True, kw_only=True):
    """The next question, with why it was chosen."""

    reason: str
    expected_gain_bits: float
    expected_change: float = 0.0
    """How much the answer is expected to change what the person is told (the choice's basis)."""


class GroupItemOut(Out, frozen=True, kw_only=True):
    fact: str
    label: str
    question: FormQuestionOut | None = None
    """On a form page: the question with its answers (a tick box needs only `label`)."""
    shown_when: dict[str, Any] | None = None
    """On a form page: shown only once the answers above it on the page meet this condition
    (the fact's `ask_when`, in the knowledge pack's condition grammar)."""


class PageOut(Out, frozen=True, kw_only=True):
    """Several questions on one page. `kind` "tick": yes/no questions, a ticked item is yes
    and an unticked one no. `kind` "form": each item is a question with its own answers."""

    id: str
    kind: Literal["tick", "form"] = "tick"
    text: str
    hint: str | None
    none_label: str | None
    items: list[GroupItemOut]


class GroupOut(PageOut, frozen=True, kw_only=True):
    """The next page of several questions, with why it was chosen."""

    reason: str
    expected_change: float


class ProgressOut(Out, frozen=True, kw_only=True):
    answered: int
    """Questions answered so far (each fact once, "not sure" included)."""
    screens_left: int
    """The engine's estimate of the pages still to come, this one included."""


class AssumptionOut(Out, frozen=True, kw_only=True):
    id: str
    facts: dict[str, FactValueOut]
    reason: str


class Assessment(Out, frozen=True, kw_only=True):
    pathway: str
    knowledge_version: str
    language: str
    urgency: UrgencyOut
    assumptions: list[AssumptionOut]
    sites: list[SiteOut]
    causes: list[CauseOut]
    workup: list[WorkupOut]
    evaluation_stages: list[StageOut]
    questions_for_provider: list[str]
    next_question: QuestionOut | None
    """The next question, or null when the interview is over. When `next_group` is set, this
    is its first item, for clients that ask one question at a time."""
    next_group: GroupOut | None = None
    """The next page as a group of yes/no questions, for clients that can show one."""
    progress: ProgressOut
    sources: dict[str, str]

    def to_json_dict(self) -> dict[str, object]:
        data: dict[str, object] = msgspec.to_builtins(self)
        return data


class StepUrgencyOut(Out, frozen=True, kw_only=True):
    level: Level
    label: str
    interrupt: bool
    """An emergency: say what to do now and ask nothing more."""
    red_flags: list[str]
    cautions: list[str] = []
    """For each emergency sign the person was not sure of: what to do if it is there."""


class StepQuestionOut(Out, frozen=True, kw_only=True):
    """The next question when it is asked on its own page."""

    fact: str
    text: str
    hint: str | None
    type: str
    options: list[OptionOut]
    minimum: int | None = None
    maximum: int | None = None
    unknown_allowed: bool = True
    reason: str


class StepCauseOut(Out, frozen=True, kw_only=True):
    id: str
    name: str
    probability: float


class InterviewStep(Out, frozen=True, kw_only=True):
    """One step of the interview, without the report: for an app or a form that asks the
    questions and fetches the full assessment (`POST /v1/assess`) at the end."""

    pathway: str
    knowledge_version: str
    language: str
    urgency: StepUrgencyOut
    next_question: StepQuestionOut | None
    """The next page when it holds one question; null when `next_group` is set or the
    interview is over."""
    next_group: GroupOut | None
    """The next page when it holds several questions (tick boxes or a short form)."""
    causes: list[StepCauseOut]
    """The first causes (at most five), in the report's order."""
    progress: ProgressOut
    should_stop: bool
    """Nothing left is worth asking, or an emergency interrupts: fetch the report."""


_ENCODER = msgspec.json.Encoder()


def to_json(out: Out | list[Out]) -> bytes:
    """The JSON the API sends, encoded in one pass."""
    return _ENCODER.encode(out)


def read(data: bytes | str, shape: type[T]) -> T:
    """An output read back from its JSON, every type checked: how a client sees it."""
    return msgspec.json.decode(data, type=shape, strict=True)
