"""Choices a pack leaves to the deployment (CANDID_PACK_SETTINGS): the pack declares them and
their rules; Python only passes the deployer's value through. For bleeding after sex, the
cervical screening guidelines the service follows (facts.yaml screening_programme)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from candid.api.app import create_app
from candid.engine import assess
from candid.knowledge import deployment
from candid.knowledge.models import Pack
from candid.settings import Settings

PROGRAMMES = ("uk", "us", "au")


@pytest.fixture(autouse=True)
def _back_to_the_default() -> Iterator[None]:
    """The deployment is one per process: leave it as the other tests expect it."""
    yield
    deployment.configure({})


def offered(pack: Pack, facts: dict[str, Any], programme: str | None = None) -> set[str]:
    deployment.configure({} if programme is None else {"screening_programme": programme})
    return {w.id for w in assess(pack, facts).workup if w.status == "recommended"}


def test_the_pack_declares_the_setting_with_a_default(pack: Pack) -> None:
    fact = pack.facts["screening_programme"]
    assert fact.asked_by == "deployment" and fact.default == "uk"
    assert set(fact.choices or {}) == set(PROGRAMMES)
    assert deployment.chosen(pack) == {"screening_programme": "uk"}


def test_never_asked_and_never_an_answer(pack: Pack) -> None:
    result = assess(pack, {"age": 30})
    asked = [result.next_question.fact] if result.next_question else []
    if result.next_group:
        asked += [item.fact for item in result.next_group.items]
    assert "screening_programme" not in asked
    assert not any("screening_programme" in group.facts for group in pack.interview.groups.values())


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # 22: the US screens from 21, the UK from 25; Australia co-tests the symptom.
        ({"age": 22}, {"uk": False, "us": True, "au": True}),
        # Up to date and bleeding keeps happening: only Australia co-tests the symptom.
        (
            {
                "age": 32,
                "cervical_screening": "up_to_date_normal",
                "bleeding_frequency": "most_times",
            },
            {"uk": False, "us": False, "au": True},
        ),
        # Overdue at 40: every programme tests.
        (
            {"age": 40, "cervical_screening": "overdue_or_never"},
            {"uk": True, "us": True, "au": True},
        ),
    ],
)
def test_the_screening_test_follows_the_chosen_guidelines(
    pack: Pack, facts: dict[str, Any], expected: dict[str, bool]
) -> None:
    got = {p: "cervical_screening" in offered(pack, facts, p) for p in PROGRAMMES}
    assert got == expected


@pytest.mark.parametrize("programme", PROGRAMMES)
@pytest.mark.parametrize("age", [16, 19, 20])
def test_never_a_screening_test_under_21(pack: Pack, programme: str, age: int) -> None:
    facts = {
        "age": age,
        "cervical_screening": "overdue_or_never",
        "bleeding_frequency": "every_time",
    }
    assert "cervical_screening" not in offered(pack, facts, programme)


def test_colposcopy_for_persistent_bleeding_under_25_follows_the_guidelines(pack: Pack) -> None:
    """England's guidance for 20-24 keeps colposcopy for a cervix that looks abnormal."""
    facts = {
        "age": 24,
        "exam_cervix": "ectropion",
        "chlamydia_test": "negative",
        "gonorrhea_test": "negative",
        "bleeding_frequency": "most_times",
        "duration_weeks": 10,
    }
    assert "colposcopy" not in offered(pack, facts, "uk")
    assert "colposcopy" in offered(pack, facts, "us")
    assert "colposcopy" in offered(pack, {**facts, "exam_cervix": "suspicious_lesion"}, "uk")


def test_a_value_sent_with_the_facts_wins_for_that_request(pack: Pack) -> None:
    facts = {"age": 22, "screening_programme": "us"}
    assert "cervical_screening" in offered(pack, facts, "uk")


def test_the_app_passes_the_setting_through(pack: Pack) -> None:
    body = {"facts": {"age": 22}}

    def screening_offered(settings: Settings) -> bool:
        client = TestClient(create_app(settings))
        workup = client.post("/v1/assess", json=body).json()["workup"]
        return any(w["id"] == "cervical_screening" and w["status"] == "recommended" for w in workup)

    served = {"rate_limit": "100000/minute", "pathways": "postcoital_bleeding"}
    assert not screening_offered(Settings.model_validate(served))
    us = Settings.model_validate({**served, "pack_settings": "screening_programme=us"})
    assert screening_offered(us)


@pytest.mark.parametrize(
    ("raw", "says"),
    [("screening_programme=fr", "not one of its choices"), ("screening=us", "not a setting")],
)
def test_the_app_refuses_to_start_on_a_wrong_setting(raw: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        create_app(
            Settings.model_validate({"pathways": "postcoital_bleeding", "pack_settings": raw})
        )


def test_the_setting_is_read_as_name_value_pairs() -> None:
    assert Settings.model_validate(
        {"pack_settings": " screening_programme = au "}
    ).pack_settings == {"screening_programme": "au"}
    with pytest.raises(ValueError, match="name=value"):
        Settings.model_validate({"pack_settings": "screening_programme"})
