"""SDC adaptive forms: `POST /fhir/Questionnaire/$next-question` runs Candid's interview for a
FHIR form filler (HL7 SDC, "Adaptive Forms", OperationDefinition Questionnaire-next-question).

Why an adaptive form as well as the full Questionnaire: the full form shows every question
whose `enableWhen` holds, so a person answers far more than the interview would ask; the
interview picks the page most likely to change what they are told and stops when nothing left
is worth asking. With this operation an SDC client gets exactly the interview's pages without
knowing anything about Candid's engine.

The exchange is stateless, like the rest of Candid. The client sends a QuestionnaireResponse
(bare, or as the `questionnaire-response` parameter of a Parameters) whose *contained*
Questionnaire holds the items asked so far; the server returns the same response with that
Questionnaire extended by the next page:

- a page of several questions is one `group` item, built by the same code as the full
  Questionnaire (candid.api.fhir.questionnaire) and keeping the `enableWhen` that links its
  questions to each other; conditions on questions never asked are resolved here, since an
  `enableWhen` may only point at items of the Questionnaire it is in;
- answers are read by the $assess intake (candid.api.fhir.intake), so an answer is valid here
  exactly when it is valid there; a question that was asked and left unanswered is "not sure"
  (the engine's `skipped`), except a form question its page hid;
- when the engine stops, or an emergency sign interrupts, the response is `completed` and no
  further question is added. An emergency is shown as one `display` item (linkId `urgency`,
  coded `urgency.<level>` in Candid's CodeSystem) saying what to do now; an emergency sign the
  person was not sure of adds a `display` item (`caution.<rule>`) with what to do if it is
  there. Display items take no answer, so they are what SDC allows beside the questions.

A completed adaptive response can be sent as it is to `$assess` (`for_assess`), which reads it
as a response to the published form the contained Questionnaire was derived from.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from candid.api.fhir.errors import FhirInputError, InputProblem
from candid.api.fhir.intake import Intake, read_request
from candid.api.fhir.questionnaire import HELP_SUFFIX, questionnaire
from candid.api.fhir.terminology import JSON, own, questionnaire_url
from candid.engine import FactsError, form_applying
from candid.engine.assess import assess, interview_step
from candid.engine.assessment import InterviewStep
from candid.engine.conditions import FactValue
from candid.knowledge.models import Pack

SDC = "http://hl7.org/fhir/uv/sdc"
NEXT_QUESTION = f"{SDC}/OperationDefinition/Questionnaire-next-question"
QUESTIONNAIRE_ADAPT = f"{SDC}/StructureDefinition/sdc-questionnaire-adapt"
RESPONSE_ADAPT = f"{SDC}/StructureDefinition/sdc-questionnaireresponse-adapt"
ADAPTIVE = f"{SDC}/StructureDefinition/sdc-questionnaire-questionnaireAdaptive"
PARAMETER = "questionnaire-response"
URGENCY_LINK = "urgency"
CAUTION_PREFIX = "caution."
FORM_ID = "q"
"""The id a new contained Questionnaire gets (the one SDC's examples use)."""
KINDS = "QuestionnaireResponse, or Parameters with a questionnaire-response parameter"


def mark_adaptive(form: JSON) -> JSON:
    """The published Questionnaire, marked as one this server can also run adaptively (SDC's
    questionnaireAdaptive extension; a boolean means "at the server that hosts it"). It keeps
    every item, so a filler that shows whole forms uses it as before."""
    return {
        **form,
        "extension": [*form.get("extension", []), {"url": ADAPTIVE, "valueBoolean": True}],
    }


def next_question(pack: Pack, body: Any) -> JSON:
    """The adaptive response with the next page, or completed. Raises FhirInputError naming
    every problem (the item's linkId or the path) and what is allowed."""
    return _Round(pack).run(body)


def form_named(packs: Sequence[Pack], body: Any) -> Pack | None:
    """The pathway whose published form an adaptive response names: its `questionnaire`
    canonical, or the `derivedFrom` of the form it contains. None when it names none (the
    start of an interview) or one no pathway publishes: the reader then reports it."""
    qr: Any = body
    if isinstance(body, Mapping) and body.get("resourceType") == "Parameters":
        found = [
            p.get("resource")
            for p in body.get("parameter") or []
            if isinstance(p, Mapping) and p.get("name") == PARAMETER
        ]
        qr = found[0] if len(found) == 1 else None
    if not isinstance(qr, Mapping):
        return None
    named: list[str] = []
    ref = qr.get("questionnaire")
    if isinstance(ref, str) and not ref.startswith("#"):
        named.append(ref.split("|")[0])
    for form in qr.get("contained") or [] if isinstance(qr.get("contained"), list) else []:
        if isinstance(form, Mapping) and isinstance(form.get("derivedFrom"), list):
            named += [d.split("|")[0] for d in form["derivedFrom"] if isinstance(d, str)]
    for pack in packs:
        if questionnaire_url(pack) in named:
            return pack
    return None


def for_assess(pack: Pack, body: Any) -> Any:
    """`body` with each adaptive QuestionnaireResponse in it (bare, in a Bundle or in a
    Parameters) pointing at the published form its contained Questionnaire derives from, and
    without the display items $next-question added, so $assess reads the answers of an
    adaptive interview as it reads a filled form. Anything else is returned as it is, for
    the intake to judge."""
    if not isinstance(body, Mapping):
        return body
    kind = body.get("resourceType")
    if kind == "QuestionnaireResponse":
        return _as_base_response(pack, body)
    key = {"Bundle": "entry", "Parameters": "parameter"}.get(str(kind))
    holders = body.get(key) if key else None
    if key is None or not isinstance(holders, list):
        return body
    return {
        **body,
        key: [
            {**h, "resource": _as_base_response(pack, h["resource"])}
            if isinstance(h, Mapping) and isinstance(h.get("resource"), Mapping)
            else h
            for h in holders
        ],
    }


# -- reading the request --------------------------------------------------------------------


@dataclass
class _Asked:
    """What the contained Questionnaire says has been asked."""

    links: set[str] = field(default_factory=set)
    facts: list[str] = field(default_factory=list)
    pages: list[tuple[str | None, tuple[str, ...]]] = field(default_factory=list)
    """(group id or None for a question on its own page, the page's questions in order)."""


class _Round:
    """One $next-question call: read the response, check it against what was asked, ask the
    engine, answer. Like the $assess intake it collects every problem before refusing, so a
    client fixes its request once."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.problems: list[InputProblem] = []
        self.root = "QuestionnaireResponse"
        self.notices = notice_links(pack)

    def problem(self, where: str, reason: str, allowed: str | None = None) -> None:
        self.problems.append(InputProblem(where, reason, allowed))

    def stop_if_wrong(self) -> None:
        if self.problems:
            raise FhirInputError(self.problems)

    def run(self, body: Any) -> JSON:
        qr = self._unwrap(body)
        self.stop_if_wrong()
        slot, form = self._form(qr)
        asked = self._asked(slot, form)
        self._response_items(_list(qr.get("item")), self.root, asked)
        intake = self._intake(qr)
        self.stop_if_wrong()
        assert intake is not None  # no problems means the intake read it
        step = self._step(intake, asked)
        return self._respond(qr, slot, form, asked, intake, step)

    def _unwrap(self, body: Any) -> Mapping[str, Any]:
        """The QuestionnaireResponse, bare or in Parameters (SDC's input profile); `root` is
        where it is, for the problems' paths."""
        if not isinstance(body, Mapping):
            self.problem("body", "expected a FHIR resource as a JSON object", KINDS)
            return {}
        kind = body.get("resourceType")
        if kind == "QuestionnaireResponse":
            return body
        if kind != "Parameters":
            self.problem("resourceType", f"{kind!r} cannot be used by $next-question", KINDS)
            return {}
        params = body.get("parameter")
        found: list[tuple[int, Mapping[str, Any]]] = []
        for i, param in enumerate(params if isinstance(params, list) else []):
            where = f"Parameters.parameter[{i}]"
            name = param.get("name") if isinstance(param, Mapping) else None
            resource = param.get("resource") if isinstance(param, Mapping) else None
            if name != PARAMETER:
                self.problem(where, f"unknown parameter {name!r}", PARAMETER)
            elif not isinstance(resource, Mapping) or (
                resource.get("resourceType") != "QuestionnaireResponse"
            ):
                self.problem(f"{where}.resource", "is not a QuestionnaireResponse", KINDS)
            else:
                found.append((i, resource))
        if len(found) != 1 and not self.problems:
            self.problem(
                "Parameters.parameter",
                f"has {len(found)} {PARAMETER} parameters",
                f"exactly one {PARAMETER} parameter",
            )
        if self.problems:
            return {}
        index, qr = found[0]
        self.root = f"Parameters.parameter[{index}].resource"
        return qr

    def _form(self, qr: Mapping[str, Any]) -> tuple[int | None, Mapping[str, Any] | None]:
        """The contained adaptive Questionnaire and its place in `contained`; (None, None)
        when the interview starts (no contained Questionnaire yet)."""
        contained = qr.get("contained")
        if contained is not None and not isinstance(contained, list):
            self.problem(f"{self.root}.contained", "is not an array", "a JSON array")
            return None, None
        forms = [
            (i, r)
            for i, r in enumerate(contained or [])
            if isinstance(r, Mapping) and r.get("resourceType") == "Questionnaire"
        ]
        ref = qr.get("questionnaire")
        url = questionnaire_url(self.pack)
        where = f"{self.root}.questionnaire"
        if isinstance(ref, str) and ref.startswith("#"):
            named = [(i, r) for i, r in forms if r.get("id") == ref[1:]]
            if not named:
                ids = ", ".join(f"#{r.get('id')}" for _, r in forms)
                allowed = f"one of {ids}" if ids else "no questionnaire (or this form) at the start"
                self.problem(where, f"{ref!r} names no contained Questionnaire", allowed)
                return None, None
        elif ref is None or (isinstance(ref, str) and ref.split("|")[0] == url):
            if not forms:
                return None, None  # the start: no page asked yet
            if len(forms) > 1:
                self.problem(where, "missing, and several Questionnaires are contained", "#id")
                return None, None
            named = forms
        else:
            self.problem(where, f"{ref!r} is not this form", f"#<contained id>, or {url}")
            return None, None
        slot, form = named[0]
        self._derived_from(slot, form)
        return slot, form

    def _derived_from(self, slot: int, form: Mapping[str, Any]) -> None:
        where = f"{self.root}.contained[{slot}]"
        url = questionnaire_url(self.pack)
        if "url" in form:
            self.problem(
                f"{where}.url",
                "an adaptive Questionnaire has no url of its own (SDC sdc-questionnaire-adapt)",
                f"derivedFrom {url}",
            )
        derived = form.get("derivedFrom")
        if derived is None:
            return
        if not isinstance(derived, list) or not any(
            isinstance(d, str) and d.split("|")[0] == url for d in derived
        ):
            self.problem(f"{where}.derivedFrom", f"{derived!r} is not this form", url)

    def _asked(self, slot: int | None, form: Mapping[str, Any] | None) -> _Asked:
        """The pages asked so far, checked to be what $next-question puts there: a question,
        a group of its own questions, help text or a notice, each linkId once."""
        asked = _Asked()
        if form is None:
            return asked
        groups = self.pack.interview.groups
        where_form = f"{self.root}.contained[{slot}]"
        for item, where in self._items(form, where_form):
            link = item["linkId"]
            if link in groups:
                children = list(self._items(item, where))
                page = tuple(c["linkId"] for c, _ in children)
                stray = [c for c in page if c not in groups[link].facts]
                if stray:
                    self.problem(where, f"holds {', '.join(stray)}", ", ".join(groups[link].facts))
                    continue
                if self._once(link, where, asked):
                    asked.pages.append((link, page))
                for child, child_where in children:
                    self._question(child, child_where, asked)
            elif link in self.pack.facts:
                if self._question(item, where, asked):
                    asked.pages.append((None, (link,)))
            elif link in self.notices:
                self._once(link, where, asked)
            else:
                self.problem(
                    where,
                    "is not an item $next-question adds",
                    "the items returned by $next-question, unchanged",
                )
        return asked

    def _once(self, link: str, where: str, asked: _Asked) -> bool:
        if link in asked.links:
            self.problem(where, "appears twice", "each linkId once")
            return False
        asked.links.add(link)
        return True

    def _question(self, item: Mapping[str, Any], where: str, asked: _Asked) -> bool:
        link = item["linkId"]
        fact = self.pack.facts.get(link)
        if fact is None or fact.asked_by != "patient":
            self.problem(where, "is not a question the interview asks", "the person's questions")
            return False
        helps = [c["linkId"] for c, _ in self._items(item, where)]
        if any(h != link + HELP_SUFFIX for h in helps):
            self.problem(where, f"holds {', '.join(helps)}", f"at most {link}{HELP_SUFFIX}")
            return False
        if not self._once(link, where, asked):
            return False
        asked.links.update(helps)
        asked.facts.append(link)
        return True

    def _items(
        self, holder: Mapping[str, Any], where: str
    ) -> Iterator[tuple[Mapping[str, Any], str]]:
        """The items under `holder` that have a linkId, with their paths; the others named."""
        items = holder.get("item")
        if items is not None and not isinstance(items, list):
            self.problem(f"{where}.item", "is not an array", "a JSON array")
            return
        for item in items or []:
            if isinstance(item, Mapping) and isinstance(item.get("linkId"), str):
                yield item, f"{where}.item[linkId={item['linkId']}]"
            else:
                self.problem(f"{where}.item", "an item without a linkId", "items with a linkId")

    def _response_items(self, items: list[Any], parent: str, asked: _Asked) -> None:
        """Every answered item must be one the contained Questionnaire asked; a display item
        takes no answer. The intake checks the answers themselves."""
        for item in items:
            if not isinstance(item, Mapping) or not isinstance(item.get("linkId"), str):
                continue  # the intake names it
            link = item["linkId"]
            where = f"{parent}.item[linkId={link}]"
            answers = _list(item.get("answer"))
            if link not in asked.links:
                self.problem(
                    where,
                    "is not an item of the contained Questionnaire",
                    "the questions asked so far: " + (", ".join(asked.facts) or "none yet"),
                )
                continue
            if link in self.notices and answers:
                self.problem(where, "is a display item and takes no answer")
            self._response_items(_list(item.get("item")), where, asked)
            for answer in answers:
                if isinstance(answer, Mapping):
                    self._response_items(_list(answer.get("item")), where, asked)

    def _intake(self, qr: Mapping[str, Any]) -> Intake | None:
        """The answers as facts, read by the $assess intake; its problems join ours (one per
        place: ours say more about an item the Questionnaire never asked)."""
        try:
            return read_request(self.pack, _answers_only(qr, self.notices))
        except FhirInputError as err:
            named = {p.where for p in self.problems}
            for p in err.problems:
                where = self._at(p.where)
                if where not in named:
                    self.problem(where, p.reason, p.allowed)
            return None

    def _at(self, where: str) -> str:
        """A path the intake gave for a bare response, from where the response really is."""
        bare = "QuestionnaireResponse"
        return self.root + where[len(bare) :] if where.startswith(bare) else where

    # -- the engine's step --------------------------------------------------------------

    def _step(self, intake: Intake, asked: _Asked) -> InterviewStep:
        facts = intake.facts
        skipped = self._skipped(facts, asked)
        for _ in range(len(self.pack.facts) + 1):
            try:
                step = interview_step(self.pack, facts, lang=intake.language, skipped=skipped)
            except FactsError as err:
                raise FhirInputError(
                    [
                        InputProblem(
                            self._at(intake.where.get(p.fact, p.fact)),
                            f"{p.fact}: {p.message}",
                            p.allowed,
                        )
                        for p in err.problems
                    ]
                ) from None
            # A form question its page hid is neither answered nor "not sure"; should a later
            # answer make it apply, it is already on the form: count it as not sure rather
            # than ask it twice (linkIds are unique).
            again = [f for f in _page_facts(step) if f in asked.links]
            if not again:
                return step
            skipped = [*skipped, *again]
        raise AssertionError("the interview kept asking questions already asked")

    def _skipped(self, facts: Mapping[str, FactValue], asked: _Asked) -> list[str]:
        """Questions asked and left unanswered: "not sure", as the interview counts them. On
        a form page only those the page showed, given the answers above them."""
        skipped: list[str] = []
        for group, page in asked.pages:
            if group is not None and self.pack.interview.groups[group].kind == "tick":
                shown = list(page)
            else:
                shown = form_applying(self.pack, page, facts, {f: facts.get(f) for f in page})
            skipped.extend(f for f in shown if f not in facts)
        return skipped

    # -- the answer ---------------------------------------------------------------------

    def _respond(
        self,
        qr: Mapping[str, Any],
        slot: int | None,
        form: Mapping[str, Any] | None,
        asked: _Asked,
        intake: Intake,
        step: InterviewStep,
    ) -> JSON:
        lang = intake.language
        base = questionnaire(self.pack, lang)
        out: JSON = copy.deepcopy(dict(qr))
        contained: list[Any] = list(out.get("contained") or [])
        adaptive = self._adaptive_form(base, form, contained)
        if not isinstance(adaptive.get("item"), list):
            adaptive["item"] = []  # none yet (a JSON null read as none, as the intake does)
        items: list[JSON] = adaptive["item"]
        # Notices say what holds now: one that no longer does (an answer changed) goes.
        notices = self._notices(step, intake, asked, lang)
        current = {n["linkId"] for n in notices}
        stale = self.notices - current
        items[:] = [i for i in items if not (isinstance(i, Mapping) and i.get("linkId") in stale)]
        present = {link for item in items for link in _links(item)}
        _add_page(base, step, items, present, self.pack, lang)
        items.extend(n for n in notices if n["linkId"] not in present)
        if not items:
            del adaptive["item"]  # FHIR JSON has no empty arrays
        if slot is None:
            contained.append(adaptive)
        else:
            contained[slot] = adaptive
        out["meta"] = _with_profile(out.get("meta"), RESPONSE_ADAPT)
        out["contained"] = contained
        out["questionnaire"] = f"#{adaptive['id']}"
        out["status"] = "completed" if step.should_stop else "in-progress"
        if not isinstance(out.get("authored"), str):  # SDC's adaptive response requires it
            out["authored"] = datetime.now(UTC).isoformat(timespec="seconds")
        return out

    def _adaptive_form(
        self, base: JSON, form: Mapping[str, Any] | None, contained: list[Any]
    ) -> JSON:
        """The contained Questionnaire with what SDC's adaptive profile requires: its profile,
        the questionnaireAdaptive extension, a title and the form it derives from."""
        if form is None:
            taken = {r.get("id") for r in contained if isinstance(r, Mapping)}
            qid = FORM_ID
            while qid in taken:
                qid += "1"
            out: JSON = {"resourceType": "Questionnaire", "id": qid}
        else:
            out = copy.deepcopy(dict(form))
            if not isinstance(out.get("id"), str):
                out["id"] = FORM_ID
        out["meta"] = _with_profile(out.get("meta"), QUESTIONNAIRE_ADAPT)
        extensions = [e for e in _list(out.get("extension")) if isinstance(e, Mapping)]
        if not any(e.get("url") == ADAPTIVE for e in extensions):
            out["extension"] = [*extensions, {"url": ADAPTIVE, "valueBoolean": True}]
        for key in ("language", "version", "name", "title", "status", "subjectType", "code"):
            if key in base:
                out.setdefault(key, base[key])
        out.setdefault("derivedFrom", [f"{base['url']}|{base['version']}"])
        return out

    def _notices(self, step: InterviewStep, intake: Intake, asked: _Asked, lang: str) -> list[JSON]:
        """Display items: what to do about an emergency sign the person was not sure of, and
        the emergency itself when one interrupts the interview."""
        out: list[JSON] = []
        urgency = step.urgency
        by_text = {
            r.if_unsure.get(lang): r.id for r in self.pack.urgency.rules if r.if_unsure is not None
        }
        for text in urgency.cautions:
            out.append({"linkId": CAUTION_PREFIX + by_text[text], "text": text, "type": "display"})
        if urgency.interrupt:
            full = assess(
                self.pack,
                intake.facts,
                lang=lang,
                skipped=self._skipped(intake.facts, asked),
            ).urgency
            level = self.pack.urgency.levels[full.level]
            words = [f"{full.label}.", full.meaning, *full.while_waiting]
            out.append(
                {
                    "linkId": URGENCY_LINK,
                    "code": [own(self.pack, f"urgency.{full.level}", level.label.en)],
                    "text": " ".join(words),
                    "type": "display",
                }
            )
        return out


# -- building the page ----------------------------------------------------------------------


def _page_facts(step: InterviewStep) -> list[str]:
    if step.next_group is not None:
        return [i.fact for i in step.next_group.items]
    return [step.next_question.fact] if step.next_question is not None else []


def _add_page(
    base: JSON,
    step: InterviewStep,
    items: list[JSON],
    present: set[str],
    pack: Pack,
    lang: str,
) -> None:
    """Append the engine's next page to the adaptive Questionnaire's items: the full form's
    group item with only the page's questions, or the full form's item for a question asked
    on its own page (in its own words, not a tick box's short statement)."""
    facts = _page_facts(step)
    if not facts:
        return
    by_link = {item["linkId"]: item for item in _walk(base["item"])}
    new: list[JSON] = []
    group = step.next_group
    if group is not None:
        page = copy.deepcopy(by_link[group.id])
        page["item"] = [c for c in page["item"] if c["linkId"] in facts]
        new = page["item"]
        existing = [i for i in items if i["linkId"] == group.id]
        if existing:  # more of a page asked before: its group grows
            existing[0]["item"].extend(new)
        else:
            items.append(page)
    else:
        (fact,) = facts
        item = copy.deepcopy(by_link[fact])
        item["text"] = pack.facts[fact].question.get(lang)
        new = [item]
        items.append(item)
    present.update(link for item in new for link in _links(item))
    if group is not None:
        present.add(group.id)
    for item in new:
        _resolve_enable_when(item, present)


def _resolve_enable_when(item: JSON, present: set[str]) -> None:
    """Keep the conditions on questions of the adaptive Questionnaire; decide those on
    questions it never asked as FHIR does for an unanswered question (`!=` and `exists:
    false` hold, every other test fails), so no `enableWhen` points outside the form.

    The engine asked the question because its `ask_when` holds, so a condition that could
    hide it for good is dropped rather than kept (the full form's rule: a form may ask more
    than the engine, never less)."""
    conditions = item.get("enableWhen")
    if not conditions:
        return
    behavior = item.get("enableBehavior", "all")
    kept = [c for c in conditions if c["question"] in present]
    fixed = [_unanswered_holds(c) for c in conditions if c["question"] not in present]
    if behavior == "any" and any(fixed):
        kept = []  # one branch already holds
    elif behavior == "all" and not all(fixed):
        kept = []  # it could never show: show it
    item.pop("enableWhen")
    item.pop("enableBehavior", None)
    if kept:
        item["enableWhen"] = kept
        if len(kept) > 1:
            item["enableBehavior"] = behavior


def _unanswered_holds(condition: Mapping[str, Any]) -> bool:
    if condition["operator"] == "exists":
        return condition.get("answerBoolean") is False
    return bool(condition["operator"] == "!=")


def _walk(items: list[JSON]) -> Iterator[JSON]:
    for item in items:
        yield item
        yield from _walk(item.get("item", []))


def _links(item: Any) -> Iterator[str]:
    """Every linkId in an item and under it (a client's item may lack one: skipped)."""
    if not isinstance(item, Mapping):
        return
    if isinstance(item.get("linkId"), str):
        yield item["linkId"]
    for child in _list(item.get("item")):
        yield from _links(child)


# -- shared ---------------------------------------------------------------------------------


def notice_links(pack: Pack) -> set[str]:
    """linkIds of the display items $next-question may add (never a fact's or a group's)."""
    cautions = {CAUTION_PREFIX + r.id for r in pack.urgency.rules if r.if_unsure is not None}
    return {URGENCY_LINK, *cautions}


def _answers_only(qr: Mapping[str, Any], notices: set[str]) -> JSON:
    """The response as the intake reads it: its answers, without the reference to the
    contained form (the intake knows only the published one) and without display items."""

    def keep(items: Any) -> Any:
        if not isinstance(items, list):
            return items
        out = []
        for item in items:
            if (
                isinstance(item, Mapping)
                and item.get("linkId") in notices
                and not _list(item.get("answer"))
            ):
                continue  # a display item: nothing to read
            if isinstance(item, Mapping) and "item" in item:
                item = {**item, "item": keep(item["item"])}
            out.append(item)
        return out

    clean = {k: v for k, v in qr.items() if k not in ("questionnaire", "contained")}
    if "item" in clean:
        clean["item"] = keep(clean["item"])
    return clean


def _as_base_response(pack: Pack, resource: Mapping[str, Any]) -> Mapping[str, Any]:
    if resource.get("resourceType") != "QuestionnaireResponse":
        return resource
    ref = resource.get("questionnaire")
    if not isinstance(ref, str) or not ref.startswith("#"):
        return resource
    forms = [
        r
        for r in _list(resource.get("contained"))
        if isinstance(r, Mapping)
        and r.get("resourceType") == "Questionnaire"
        and r.get("id") == ref[1:]
    ]
    url = questionnaire_url(pack)
    bases = [
        d
        for form in forms
        for d in _list(form.get("derivedFrom"))
        if isinstance(d, str) and d.split("|")[0] == url
    ]
    if not bases:
        return resource
    return {**_answers_only(resource, notice_links(pack)), "questionnaire": bases[0]}


def _with_profile(meta: Any, profile: str) -> JSON:
    out: JSON = dict(meta) if isinstance(meta, Mapping) else {}
    profiles = [p for p in _list(out.get("profile")) if isinstance(p, str)]
    out["profile"] = profiles if profile in profiles else [*profiles, profile]
    return out


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
