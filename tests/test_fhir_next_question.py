"""SDC adaptive forms as an SDC client uses them: `POST /fhir/Questionnaire/$next-question`.

The client starts from an empty QuestionnaireResponse. Each answer back is the same response
with its contained Questionnaire grown by the interview's next page; the client shows the new
items, puts the person's answers in the response and sends it again, until the response comes
back `completed`. Then it may send that response to `$assess` for the result.

What a client relies on, and what these tests hold the server to:

- the rounds are the engine's interview pages, the answers are read as `$assess` reads them,
  and `$assess` on the final response gives the urgency the interview ended with;
- an emergency answer ends the interview on that round, shown as a display item;
- every response is valid R4 (the `fhir.resources` R4B models and the official R4 JSON Schema,
  as in tests/test_fhir.py) and carries SDC's adaptive profiles and extension;
- bad input is an OperationOutcome naming the item's linkId (or the path) and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candid.api.app import create_app
from candid.engine import interview_step
from candid.evaluation.interview import converse
from candid.evaluation.vignettes import Vignette, load_vignettes
from candid.knowledge.models import Pack
from candid.settings import Settings
from tests.test_fhir import (
    CS,
    FHIR_JSON,
    _enabled,
    _items_by_link,
    assert_enable_when_types,
    assert_valid_r4,
    problems_of,
    urgency_of,
    value_of,
)

ROOT = Path(__file__).resolve().parents[1]
NEXT = "/fhir/Questionnaire/$next-question"
ASSESS = "/fhir/Questionnaire/postcoital-bleeding/$assess"
FORM_URL = "https://candid.example/fhir/Questionnaire/postcoital-bleeding"
SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition"
ADAPTIVE = f"{SDC}/sdc-questionnaire-questionnaireAdaptive"
START: dict[str, Any] = {"resourceType": "QuestionnaireResponse", "status": "in-progress"}
"""What a client sends first: no items, no contained Questionnaire yet."""
CASES = ["gp-001", "gp-005", "gp-016", "gp-022", "gp-023", "gp-035"]
"""Young on the pill; a coil with missing strings; pregnant; bleeding heavily now (an
emergency on the first page); after a hysterectomy; after the menopause."""
NO_EMERGENCY = {
    "heavy_bleeding_now": False,
    "dizziness_or_fainting": False,
    "severe_abdominal_pain": False,
    "very_unwell": False,
}

JSON = dict[str, Any]


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings(rate_limit="100000/minute")))


@pytest.fixture(scope="module")
def cases() -> dict[str, Vignette]:
    return {c.id: c for c in load_vignettes(ROOT / "vignettes/general_practice.jsonl")}


# -- what a client does ---------------------------------------------------------------------


def ask(client: TestClient, body: Any) -> JSON:
    """One call, checked as every client may assume: a valid adaptive QuestionnaireResponse."""
    r = client.post(NEXT, json=body, headers={"content-type": FHIR_JSON})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(FHIR_JSON)
    qr: JSON = r.json()
    assert_adaptive(qr)
    return qr


def form_of(qr: JSON) -> JSON:
    """The contained Questionnaire the response points at (`"questionnaire": "#q"`)."""
    ref = qr["questionnaire"]
    assert ref.startswith("#")
    found: list[JSON] = [r for r in qr["contained"] if r["id"] == ref[1:]]
    (form,) = found
    assert form["resourceType"] == "Questionnaire"
    return form


def assert_adaptive(qr: JSON) -> None:
    """Valid R4 twice over, with SDC's adaptive profiles: the contained Questionnaire has the
    questionnaireAdaptive extension, a title, no url of its own, derives from the published
    form, and every enableWhen in it points at one of its own items of the right type."""
    assert_valid_r4(qr)
    assert qr["resourceType"] == "QuestionnaireResponse"
    assert f"{SDC}/sdc-questionnaireresponse-adapt" in qr["meta"]["profile"]
    assert qr["status"] in ("in-progress", "completed")
    assert qr["authored"]
    form = form_of(qr)
    assert_valid_r4(form)
    assert f"{SDC}/sdc-questionnaire-adapt" in form["meta"]["profile"]
    assert {"url": ADAPTIVE, "valueBoolean": True} in form["extension"]
    assert "url" not in form and form["title"]
    assert [d.split("|")[0] for d in form["derivedFrom"]] == [FORM_URL]
    items = _items_by_link(form.get("item", []))
    links = [i["linkId"] for i in _all(form.get("item", []))]
    assert len(links) == len(set(links)), "linkIds are unique"
    assert_enable_when_types(items)


def _all(items: list[JSON]) -> list[JSON]:
    return [x for item in items for x in (item, *_all(item.get("item", [])))]


def questions(form: JSON) -> list[str]:
    """The questions of the contained Questionnaire, in order (no groups, help or notices)."""
    return [i["linkId"] for i in _all(form.get("item", [])) if i["type"] not in NOT_ASKED]


NOT_ASKED = ("group", "display")


def answered(items: list[JSON], answers: Mapping[str, Any]) -> list[JSON]:
    """QuestionnaireResponse.item for the answers given so far, nested as the form is."""
    out = []
    for item in items:
        if item["type"] == "group":
            children = answered(item["item"], answers)
            if children:
                out.append({"linkId": item["linkId"], "item": children})
        elif item["linkId"] in answers:
            out.append(
                {"linkId": item["linkId"], "answer": [value_of(item, answers[item["linkId"]])]}
            )
    return out


def with_answers(qr: JSON, answers: Mapping[str, Any]) -> JSON:
    return {**qr, "item": answered(form_of(qr).get("item", []), answers)}


@dataclass
class Interview:
    rounds: list[list[str]] = field(default_factory=list)
    """The new questions of each `in-progress` response."""
    answers: dict[str, Any] = field(default_factory=dict)
    final: JSON = field(default_factory=dict)


def interview(client: TestClient, pack: Pack, truth: Mapping[str, Any]) -> Interview:
    """A person who knows `truth` uses an SDC client. The client shows each new item whose
    enableWhen holds (given the answers above it) and sends the person's answer: what they
    know, "no" for a box they leave unticked on a checklist page, nothing ("not sure") for the
    rest."""
    done = Interview()
    seen: set[str] = set()
    qr = ask(client, START)
    while qr["status"] == "in-progress":
        assert len(done.rounds) < 60, "the interview ends"
        form = form_of(qr)
        new = [q for q in questions(form) if q not in seen]
        assert new, "every in-progress round asks something new"
        seen.update(new)
        done.rounds.append(new)
        items = _items_by_link(form["item"])
        for link in new:
            if not _enabled(items[link], done.answers):
                continue  # hidden by an answer above it
            group = next(
                (g for g in form["item"] if link in _items_by_link(g.get("item", []))), None
            )
            checklist = group is not None and pack.interview.groups[group["linkId"]].kind == "tick"
            if link in truth:
                done.answers[link] = truth[link]
            elif checklist:
                done.answers[link] = False
        qr = ask(client, with_answers(qr, done.answers))
    done.final = qr
    return done


def patient_facts(pack: Pack, case: Vignette) -> dict[str, Any]:
    return {
        k: v for k, v in case.facts.items() if v is not None and pack.facts[k].asked_by == "patient"
    }


def without_authored(qr: JSON) -> JSON:
    return {k: v for k, v in qr.items() if k != "authored"}


# -- the interview ------------------------------------------------------------------------------


def test_the_first_call_starts_from_an_empty_response_with_the_first_page(
    client: TestClient, pack: Pack
) -> None:
    qr = ask(client, START)
    assert qr["status"] == "in-progress"
    assert qr["questionnaire"] == "#q"
    assert "item" not in qr, "the server adds questions, never answers"
    form = form_of(qr)
    assert form["derivedFrom"] == [f"{FORM_URL}|{pack.meta.version}"]
    first = interview_step(pack, {}).next_group
    assert first is not None
    (page,) = form["item"]
    assert page["linkId"] == first.id and page["type"] == "group"
    assert [i["linkId"] for i in page["item"]] == [i.fact for i in first.items]


def test_the_response_may_come_in_parameters(client: TestClient) -> None:
    """SDC's input profile: a Parameters with one `questionnaire-response`; the answer is the
    QuestionnaireResponse itself (the operation's one `return` resource)."""
    params = {
        "resourceType": "Parameters",
        "parameter": [{"name": "questionnaire-response", "resource": START}],
    }
    assert without_authored(ask(client, params)) == without_authored(ask(client, START))


@pytest.mark.parametrize("case_id", CASES)
def test_a_client_answering_from_a_case_runs_the_engines_interview(
    client: TestClient, pack: Pack, cases: dict[str, Vignette], case_id: str
) -> None:
    """One round per page of the engine's own interview (the replay in
    candid.evaluation.interview, with the same person), the same answers at the end, and
    `$assess` on the completed response gives the urgency the interview ended with."""
    truth = patient_facts(pack, cases[case_id])
    engine = converse(pack, truth, respondent="unsure")
    done = interview(client, pack, truth)

    assert len(done.rounds) == len(engine.pages)
    for page, new in zip(engine.pages, done.rounds, strict=True):
        assert set(page) <= set(new), "each round shows the page the engine asks"
    assert done.answers == engine.facts
    assert done.final["status"] == "completed"
    assert questions(form_of(done.final)) == [q for r in done.rounds for q in r]

    r = client.post(ASSESS, json=done.final)
    assert r.status_code == 200, r.text
    assert urgency_of(r.json()) == engine.result.urgency.level


def test_a_form_page_is_one_group_whose_questions_show_as_answers_above_allow(
    client: TestClient, pack: Pack
) -> None:
    """After the emergency signs comes the "about you" form: one group item, its questions
    with the full Questionnaire's enableWhen between them (no cervix question until the womb
    question is answered "no")."""
    first = ask(client, START)
    qr = ask(client, with_answers(first, NO_EMERGENCY))
    page = form_of(qr)["item"][-1]
    assert page["linkId"] == "about_you" and page["type"] == "group"
    assert page["text"] == pack.interview.groups["about_you"].question.en
    items = _items_by_link(page["item"])
    assert items["has_cervix"]["enableWhen"] == [
        {"question": "has_uterus", "operator": "=", "answerBoolean": False}
    ]
    assert "enableWhen" not in items["age"]


def test_an_emergency_answer_stops_the_interview_on_that_round(
    client: TestClient, pack: Pack
) -> None:
    """Completed at once, no further question, and one display item saying what to do now,
    coded with the urgency level; `$assess` agrees it is an emergency."""
    first = ask(client, START)
    before = questions(form_of(first))
    qr = ask(client, with_answers(first, {**NO_EMERGENCY, "heavy_bleeding_now": True}))
    assert qr["status"] == "completed"
    form = form_of(qr)
    assert questions(form) == before, "no new question"
    notice = form["item"][-1]
    assert notice["type"] == "display" and notice["linkId"] == "urgency"
    assert notice["code"] == [
        {"system": CS, "code": "urgency.emergency", "display": "Emergency: get help now"}
    ]
    assert pack.urgency.levels["emergency"].meaning.en in notice["text"]

    again = ask(client, qr)
    assert without_authored(again) == without_authored(qr), "sending it again changes nothing"
    assert urgency_of(client.post(ASSESS, json=qr).json()) == "emergency"


def test_not_sure_of_an_emergency_sign_adds_what_to_do_if_it_is_there(
    client: TestClient, pack: Pack
) -> None:
    """A box left blank is "not sure": the interview goes on, with a display item saying what
    to do should the sign be there after all."""
    first = ask(client, START)
    unsure = {k: v for k, v in NO_EMERGENCY.items() if k != "heavy_bleeding_now"}
    qr = ask(client, with_answers(first, unsure))
    assert qr["status"] == "in-progress"
    notices = [i for i in form_of(qr)["item"] if i["type"] == "display"]
    (rule,) = [r for r in pack.urgency.rules if r.id == "heavy_bleeding_now"]
    assert rule.if_unsure is not None
    assert notices == [
        {"linkId": "caution.heavy_bleeding_now", "text": rule.if_unsure.en, "type": "display"}
    ]
    answered_now = ask(client, with_answers(qr, NO_EMERGENCY))
    links = [i["linkId"] for i in form_of(answered_now)["item"]]
    assert "caution.heavy_bleeding_now" not in links, "gone once the sign is answered"


def test_the_questions_are_in_the_responses_language(client: TestClient, pack: Pack) -> None:
    qr = ask(client, {**START, "language": "es"})
    form = form_of(qr)
    assert form["language"] == "es" and form["title"] == pack.meta.title.es
    page = form["item"][0]
    assert page["text"] == pack.interview.groups[page["linkId"]].question.es


def test_the_published_form_and_the_capability_statement_announce_it(
    client: TestClient,
) -> None:
    form = client.get("/fhir/Questionnaire/postcoital-bleeding").json()
    assert_valid_r4(form)
    assert {"url": ADAPTIVE, "valueBoolean": True} in form["extension"]
    statement = client.get("/fhir/metadata").json()
    (rest,) = statement["rest"]
    (questionnaire,) = [r for r in rest["resource"] if r["type"] == "Questionnaire"]
    operation = {o["name"]: o["definition"] for o in questionnaire["operation"]}
    assert operation["next-question"] == (
        "http://hl7.org/fhir/uv/sdc/OperationDefinition/Questionnaire-next-question"
    )


# -- bad input -------------------------------------------------------------------------------


def test_a_resource_other_than_a_questionnaire_response_is_refused(client: TestClient) -> None:
    found = problems_of(client.post(NEXT, json={"resourceType": "Patient"}))
    assert list(found) == ["resourceType"]
    assert "QuestionnaireResponse" in found["resourceType"]["allowed"]


def test_a_body_that_is_not_json_is_a_400(client: TestClient) -> None:
    r = client.post(NEXT, content=b"{nope", headers={"content-type": FHIR_JSON})
    assert list(problems_of(r, 400)) == ["body"]


def test_an_answer_to_an_item_not_in_the_questionnaire_is_named_with_what_was_asked(
    client: TestClient,
) -> None:
    """Age is a question of the form, but not one asked yet: the response may only answer
    the contained Questionnaire's items. Only that item is named; the same request without it
    gets the answer it would have had."""
    first = ask(client, START)
    good = {**with_answers(first, NO_EMERGENCY), "authored": "2026-12-04T10:00:00+00:00"}
    expected = ask(client, good)
    bad = {**good, "item": [*good["item"], {"linkId": "age", "answer": [{"valueInteger": 30}]}]}
    found = problems_of(client.post(NEXT, json=bad))
    assert list(found) == ["QuestionnaireResponse.item[linkId=age]"]
    allowed = found["QuestionnaireResponse.item[linkId=age]"]["allowed"]
    assert allowed == "the questions asked so far: " + ", ".join(NO_EMERGENCY)
    assert ask(client, good) == expected, "the refused request changed nothing"


def test_an_invalid_coding_names_the_item_and_the_codes_allowed(client: TestClient) -> None:
    first = ask(client, START)
    about_you = ask(client, with_answers(first, NO_EMERGENCY))
    qr = with_answers(about_you, {**NO_EMERGENCY, "age": 50})
    menopause = {"linkId": "menopause", "answer": [{"valueCoding": {"system": CS, "code": "no"}}]}
    (page,) = [i for i in qr["item"] if i["linkId"] == "about_you"]
    page["item"].append(menopause)
    found = problems_of(client.post(NEXT, json=qr))
    where = "QuestionnaireResponse.item[linkId=about_you].item[linkId=menopause].answer"
    assert list(found) == [where]
    assert "menopause.postmenopausal" in found[where]["allowed"]


def test_an_answer_out_of_range_is_named_where_it_is_in_parameters(client: TestClient) -> None:
    first = ask(client, START)
    about_you = ask(client, with_answers(first, NO_EMERGENCY))
    qr = with_answers(about_you, {**NO_EMERGENCY, "age": 200})
    params = {
        "resourceType": "Parameters",
        "parameter": [{"name": "questionnaire-response", "resource": qr}],
    }
    found = problems_of(client.post(NEXT, json=params))
    where = "Parameters.parameter[0].resource.item[linkId=about_you].item[linkId=age].answer"
    assert list(found) == [where]
    assert found[where]["allowed"] == "a whole number from 12 to 110"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (
            {"item": [{"linkId": "favourite_colour", "answer": [{"valueString": "blue"}]}]},
            "QuestionnaireResponse.item[linkId=favourite_colour]",
        ),
        ({"questionnaire": "#elsewhere"}, "QuestionnaireResponse.questionnaire"),
        (
            {"questionnaire": "http://example.org/Questionnaire/x"},
            "QuestionnaireResponse.questionnaire",
        ),
        ({"contained": "not a list"}, "QuestionnaireResponse.contained"),
        ({"status": "entered-in-error"}, "QuestionnaireResponse.status"),
    ],
)
def test_a_response_that_cannot_be_read_is_named(
    client: TestClient, change: JSON, where: str
) -> None:
    first = ask(client, START)
    assert where in problems_of(client.post(NEXT, json={**first, **change}))


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"url": FORM_URL}, "QuestionnaireResponse.contained[0].url"),
        (
            {"derivedFrom": ["http://example.org/Q/1"]},
            "QuestionnaireResponse.contained[0].derivedFrom",
        ),
        (
            {"item": [{"linkId": "made_up", "text": "?", "type": "boolean"}]},
            "QuestionnaireResponse.contained[0].item[linkId=made_up]",
        ),
        (
            {"item": [{"linkId": "exam_cervix", "text": "?", "type": "choice"}]},
            "QuestionnaireResponse.contained[0].item[linkId=exam_cervix]",
        ),
    ],
)
def test_a_contained_questionnaire_not_as_the_server_left_it_is_named(
    client: TestClient, change: JSON, where: str
) -> None:
    """The contained Questionnaire is the server's record of what was asked: a url of its
    own, another base form, or an item Candid never asks (a clinician's exam) is refused."""
    first = ask(client, START)
    form = {**form_of(first), **change}
    assert where in problems_of(client.post(NEXT, json={**first, "contained": [form]}))


_WORDS = (
    "QuestionnaireResponse",
    "Parameters",
    "Questionnaire",
    "#q",
    "age",
    "right_now",
    "questionnaire-response",
    "heavy_bleeding_now",
    "urgency",
    FORM_URL,
)
_KEYS = (
    "resourceType",
    "item",
    "linkId",
    "answer",
    "valueBoolean",
    "valueInteger",
    "contained",
    "questionnaire",
    "id",
    "parameter",
    "name",
    "resource",
    "derivedFrom",
    "status",
    "language",
    "meta",
    "extension",
)
_SHAPED = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 300) | st.sampled_from(_WORDS),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4)
    ),
    max_leaves=20,
)
"""JSON shaped like an adaptive response, to find a body that makes a 500."""


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_SHAPED)
def test_any_json_body_is_answered_without_a_500(client: TestClient, body: Any) -> None:
    r = client.post(NEXT, json=body)
    assert r.status_code in ((400,) if body is None else (200, 422)), r.text
    if r.status_code == 200:
        assert r.json()["resourceType"] == "QuestionnaireResponse"
