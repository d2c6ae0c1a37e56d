"""The validator refuses a pack that would give unsourced, dangling or impossible numbers,
and says where: the file and the key."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from candid.knowledge.loader import load_pack_from, pack_dir
from candid.knowledge.models import Pack
from candid.knowledge.problems import PackError, Problem
from candid.knowledge.yaml_io import read_yaml

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "pack"
    shutil.copytree(pack_dir(), target)
    return target


def edit(folder: Path, name: str, change: Edit) -> None:
    path = folder / name
    data = read_yaml(path)
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def problems_after(folder: Path, name: str, change: Edit) -> list[Problem]:
    edit(folder, name, change)
    with pytest.raises(PackError) as info:
        load_pack_from(folder)
    return info.value.problems


def test_the_shipped_pack_is_valid() -> None:
    pack = load_pack_from(pack_dir())
    assert len(pack.causes) >= 23


ECTROPION = "causes/cervical_ectropion.yaml"


def test_number_without_source_or_estimate(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["prior"]["default"] = {"p": 0.25}

    found = problems_after(copy, ECTROPION, change)
    assert any(
        p.file == ECTROPION and "prior.default" in p.key and "source" in p.message for p in found
    )


def test_dangling_source_reference(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["likelihoods"][0]["source"] = "no_such_paper_1999"

    found = problems_after(copy, ECTROPION, change)
    assert any(p.file == ECTROPION and "no_such_paper_1999" in p.message for p in found)


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.5, -0.1])
def test_probability_outside_open_interval(copy: Path, bad: float) -> None:
    def change(d: dict[str, Any]) -> None:
        d["prior"]["rules"][0]["p"] = bad

    found = problems_after(copy, ECTROPION, change)
    assert any(p.file == ECTROPION and p.key.startswith("prior.rules.0.p") for p in found)


def test_cause_without_patient_text(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        del d["explanation"]

    found = problems_after(copy, ECTROPION, change)
    assert any(p.file == ECTROPION and p.key == "explanation" for p in found)


def test_placeholder_patient_text(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["explanation"]["en"] = "TODO write this explanation later for patients to read here"

    found = problems_after(copy, ECTROPION, change)
    assert any(p.key == "explanation" and "placeholder" in p.message for p in found)


def test_fact_that_nothing_uses(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["favourite_colour"] = {
            "type": "boolean",
            "asked_by": "patient",
            "question": {"en": "Do you like red?", "es": "¿Le gusta el rojo?"},
        }

    found = problems_after(copy, "facts.yaml", change)
    assert (
        Problem("facts.yaml", "favourite_colour", "no cause, rule, workup item or question uses it")
        in found
    )


def test_ratio_implying_more_than_certainty(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["likelihoods"][0]["lr"] = {"combined": 5.0}  # 5 x baseline 0.30 = 1.5

    found = problems_after(copy, ECTROPION, change)
    assert any("above 1" in p.message or "unlisted values" in p.message for p in found)


def test_unknown_fact_value_in_a_condition(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["rules"][0]["when"] = {"heavy_bleeding_now": "very"}

    found = problems_after(copy, "urgency.yaml", change)
    assert any(p.file == "urgency.yaml" and "'very'" in p.message for p in found)


def test_missing_required_cause(copy: Path) -> None:
    (copy / "causes" / "chlamydia.yaml").unlink()
    with pytest.raises(PackError) as info:
        load_pack_from(copy)
    assert Problem("causes/", "chlamydia", "required cause is missing") in info.value.problems


def test_baseline_must_be_a_distribution(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["smoker"]["baseline"]["probabilities"] = {"true": 0.5, "false": 0.7}

    found = problems_after(copy, "facts.yaml", change)
    assert any(p.key == "smoker.baseline" and "sum to" in p.message for p in found)


def test_typo_in_a_key_is_refused(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["sitee"] = d.pop("site")

    found = problems_after(copy, ECTROPION, change)
    keys = {p.key for p in found}
    assert "site" in keys and "sitee" in keys


def test_a_typo_in_the_ehr_code_table_is_reported_by_file_and_key(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["conditions"][0]["set"] = {"menopause": "post_menopausal"}
        d["workup_orders"]["pap_smear"] = d["workup_orders"]["pregnancy_test"]
        d["observations"]["hpv_test"]["codes"][0]["sytem"] = "loinc"

    found = problems_after(copy, "ehr_codes.yaml", change)
    keys = {p.key for p in found if p.file == "ehr_codes.yaml"}
    assert "observations.hpv_test.codes.0.sytem" in keys
    # the checks against the pack run once the table parses
    (copy / "ehr_codes.yaml").write_text(
        (copy / "ehr_codes.yaml").read_text(encoding="utf-8").replace("sytem", "system"),
        encoding="utf-8",
    )
    with pytest.raises(PackError) as info:
        load_pack_from(copy)
    keys = {p.key for p in info.value.problems if p.file == "ehr_codes.yaml"}
    assert keys == {"conditions.0.set", "workup_orders.pap_smear"}


def test_a_question_offers_one_unsure_answer_at_most(pack: Pack) -> None:
    """A question whose own answers include "not sure" (or "don't know") does not also get
    the generic "I'm not sure": two ways to say the same thing confuse."""
    unsure = ("not sure", "don't know", "do not know")
    for fid, fact in pack.facts.items():
        labels = [c.label.en.lower() for c in (fact.choices or {}).values()]
        if any(u in label for label in labels for u in unsure):
            assert not fact.unknown_allowed, f"{fid} offers two unsure answers"


@pytest.mark.parametrize(
    ("fact", "says"),
    [
        ("sexual_assault", "keeps its own page"),
        ("cyclic_pain", "already in group"),
        ("bleeding_amount", "yes/no questions only"),
        ("exam_cervix", "only questions to the person"),
        ("fever", "already in group"),
        ("no_such_fact", "unknown fact"),
    ],
)
def test_a_question_group_holds_only_plain_yes_no_questions(
    copy: Path, fact: str, says: str
) -> None:
    def change(d: dict[str, Any]) -> None:
        d["groups"]["history"]["items"][fact] = {"en": "A statement.", "es": "Una frase."}

    found = problems_after(copy, "interview.yaml", change)
    assert any(p.file == "interview.yaml" and fact in p.key and says in p.message for p in found), (
        found
    )


@pytest.mark.parametrize(
    ("change", "says"),
    [
        # A question above the answer that decides whether it is asked could never show.
        (lambda items: items.insert(0, items.pop(items.index("has_cervix"))), "move it below"),
        (lambda items: items.append("exam_cervix"), "only questions to the person"),
        (lambda items: items.append("sexual_assault"), "keeps its own page"),
        (lambda items: items.append("fever"), "already in group"),
    ],
)
def test_a_form_lists_questions_for_the_person_in_an_order_that_can_be_answered(
    copy: Path, change: Any, says: str
) -> None:
    found = problems_after(
        copy, "interview.yaml", lambda d: change(d["groups"]["about_you"]["items"])
    )
    assert any(says in p.message and "about_you" in p.key + p.message for p in found), found


def test_a_tick_group_needs_statements_and_a_none_answer(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["groups"]["history"]["items"] = list(d["groups"]["history"]["items"])

    found = problems_after(copy, "interview.yaml", change)
    assert any(p.key == "groups.history" and "statement" in p.message for p in found), found


def test_a_cause_must_sit_at_a_site_the_pathway_declares(copy: Path) -> None:
    """Sites are the pathway's vocabulary, declared once in pack.yaml, not in the engine."""

    def change(d: dict[str, Any]) -> None:
        d["site"] = "ovary"

    found = problems_after(copy, ECTROPION, change)
    assert any(p.file == ECTROPION and p.key == "site" and "'ovary'" in p.message for p in found)


def test_the_pathway_declares_one_always_open_stage_first(copy: Path) -> None:
    def change(d: Any) -> None:
        d[0]["always_open"] = False

    found = problems_after(copy, "stages.yaml", change)
    assert any(p.file == "stages.yaml" and "always open" in p.message for p in found)


def test_the_leak_and_site_requirements_name_real_causes_and_facts(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["leak"] = "nothing_at_all"
        d["sites"][1]["requires"] = "age"

    found = problems_after(copy, "pack.yaml", change)
    assert Problem("pack.yaml", "leak", "'nothing_at_all' is not a cause") in found
    assert any(p.key == "sites.cervix.requires" for p in found)


def test_a_shared_fact_is_used_as_the_library_defines_it(copy: Path) -> None:
    """Age is asked once in the same words by every pathway: a pack that defines it again,
    or changes its question, is refused and told how to use the shared one."""

    def redefine(d: dict[str, Any]) -> None:
        d["age"] = {"type": "integer", "asked_by": "patient", "minimum": 12, "maximum": 110,
                    "question": {"en": "Age?", "es": "¿Edad?"}}  # fmt: skip

    found = problems_after(copy, "facts.yaml", redefine)
    assert any(p.file == "facts.yaml" and p.key == "age" and "shared" in p.message for p in found)

    def reword(d: dict[str, Any]) -> None:
        d["age"] = {"shared": True, "question": {"en": "Age?", "es": "¿Edad?"}}

    found = problems_after(copy, "facts.yaml", reword)
    assert any(p.key == "age" and "'question'" in p.message for p in found)


def test_a_fact_said_to_be_shared_must_be_in_the_library(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["not_in_the_library"] = {"shared": True}

    found = problems_after(copy, "facts.yaml", change)
    assert any(p.key == "not_in_the_library" and "shared_facts" in p.message for p in found)


def test_a_shared_fact_takes_the_packs_baseline() -> None:
    """The library holds the question; the population's answers are the pack's."""
    pack = load_pack_from(pack_dir())
    library = read_yaml(pack_dir().parent / "shared_facts.yaml")
    assert "baseline" not in library["pregnant"]
    pregnant = pack.facts["pregnant"]
    assert pregnant.question.en == library["pregnant"]["question"]["en"]
    assert pregnant.baseline is not None and pregnant.baseline.source
