"""The posterior on a three-cause pack, checked against numbers worked out by hand.

The tiny pack is written to a temporary folder in the real file format, so this also shows a
content maintainer what a minimal pack looks like.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from candid.engine import assess
from candid.knowledge.loader import load_pack_from
from candid.knowledge.models import Pack

TEXT = {"en": "A plain explanation written for this small test pack only.", "es": "Texto."}


def cause(
    cid: str, site: str, default: float, likelihoods: list[dict[str, object]]
) -> dict[str, object]:
    return {
        "id": cid,
        "name": {"en": cid, "es": cid},
        "clinical_name": cid,
        "explanation": TEXT,
        "site": site,
        "stage": "first_look",
        "frequency": "common",
        "prior": {
            "default": {"p": default, "source": "src"},
            "rules": [{"when": {"age": {"gte": 50}}, "p": 0.6, "estimate": "test"}]
            if cid == "a"
            else [],
        },
        "likelihoods": likelihoods,
        "what_can_be_done": [{"id": "see", "text": TEXT, "source": "src"}],
        "questions": [TEXT],
        "sources": ["src"],
    }


FOLDERS: dict[int, Path] = {}


def tiny_folder(pack: Pack) -> Path:
    return FOLDERS[id(pack)]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Pack:
    root: Path = tmp_path_factory.mktemp("tiny")
    (root / "causes").mkdir()
    files = {
        "pack.yaml": {
            "id": "tiny",
            "version": "1",
            "title": TEXT,
            "clinical_name": TEXT,
            "languages": ["en", "es"],
            "symptom_codes": [],
            "sites": [
                {"id": "skin", "name": TEXT},
                {"id": "joint", "name": TEXT},
                {"id": "elsewhere", "name": TEXT},
            ],
            "leak": "nothing_found",
            "other_site_ratio": {"ratio": 0.2, "estimate": "test"},
            "derived_ratio_floor": {"patient": 0.5, "clinician": 0.1, "estimate": "test"},
            "wording": {
                "in_a_sentence": TEXT,
                "sites_heading": TEXT,
                "sites_explainer": TEXT,
                "no_cause_note": TEXT,
                "meanwhile_prompt": TEXT,
            },
        },
        "facts.yaml": {
            "age": {"shared": True},  # from candid/packs/shared_facts.yaml, as real packs do
            "dryness": {
                "type": "boolean",
                "asked_by": "patient",
                "question": TEXT,
                "baseline": {"probabilities": {"true": 0.25, "false": 0.75}, "source": "src"},
            },
            # No cause, rule or check reads it: its answer can change nothing shown.
            "smoker": {
                "type": "boolean",
                "asked_by": "patient",
                "question": TEXT,
                "baseline": {"probabilities": {"true": 0.2, "false": 0.8}, "source": "src"},
            },
        },
        "urgency.yaml": {
            "levels": {
                lvl: {"rank": i, "label": TEXT, "meaning": TEXT, "while_waiting": [TEXT]}
                for i, lvl in enumerate(["routine", "soon", "urgent", "emergency"])
            },
            "emergency_signs": TEXT,
            "baseline_reason": TEXT,
            "baseline_source": "src",
            "rules": [
                {
                    "id": "older",
                    "level": "soon",
                    "when": {"age": {"gte": 50}},
                    "reason": TEXT,
                    "source": "src",
                }
            ],
        },
        "workup.yaml": {
            "look": {
                "name": TEXT,
                "why": TEXT,
                "tests_for": ["a"],
                "stage": "first_look",
                "recommend_when": [{"always": True}],
                "sources": ["src"],
            }
        },
        "stages.yaml": [
            {
                "id": "first_look",
                "always_open": True,
                "title": TEXT,
                "description": TEXT,
                "sources": ["src"],
            }
        ],
        "interview.yaml": {
            "opening": ["age"],
            "value": {
                "urgency_level": 4.0,
                "check": 1.0,
                "top_cause": 1.0,
                "top_three": 0.5,
                "margin": 1.0,
            },
            "stop_below_value": 0.05,
            "max_questions": 5,
            "ruled_out_below": 0.05,
            "display_at_least": 0.03,
            "likelihood_words": [{"at_least": 0.0, "text": {"en": "possible", "es": "posible"}}],
        },
        "contradictions.yaml": [],
        "provider_questions.yaml": [],
        "inferences.yaml": [],
        "sources.yaml": {"src": {"citation": "Test source.", "kind": "other"}},
        "causes/a.yaml": cause(
            "a", "skin", 0.2, [{"fact": "dryness", "lr": {"true": 3.0}, "source": "src"}]
        ),
        "causes/b.yaml": cause(
            "b", "joint", 0.3, [{"fact": "dryness", "lr": {"true": 1.0}, "source": "src"}]
        ),
        "causes/nothing_found.yaml": cause(
            "nothing_found",
            "elsewhere",
            0.5,
            [{"fact": "dryness", "lr": {"true": 0.4}, "source": "src"}],
        ),
    }
    for name, data in files.items():
        (root / name).write_text(yaml.safe_dump(data), encoding="utf-8")
    pack = load_pack_from(root, validate=False)
    FOLDERS[id(pack)] = root
    return pack


def probs(pack: Pack, facts: dict[str, object]) -> dict[str, float]:
    return {c.id: c.probability for c in assess(pack, facts).causes}


def test_worked_example_with_supporting_finding(tiny: Pack) -> None:
    # a: odds 0.2/0.8 x 3 = 0.75 -> 3/7; b: 0.3; leak: odds 1 x 0.4 -> 2/7.
    # P(at least one) = 1 - (4/7)(0.7)(5/7) = 5/7, so a = 0.6, b = 0.42, leak = 0.4.
    p = probs(tiny, {"age": 30, "dryness": True})
    assert p == pytest.approx({"a": 0.6, "b": 0.42, "nothing_found": 0.4}, abs=1e-4)


def test_unlisted_value_takes_the_remaining_probability(tiny: Pack) -> None:
    # P(dryness | a) = 3 x 0.25 = 0.75, so P(no dryness | a) = 0.25 and the ratio is 1/3.
    # a: odds 0.25/3 -> 1/13; leak: P(no dryness | leak) = 0.9 -> ratio 1.2 -> odds 1.2 -> 6/11.
    pa, pb, pn = 1 / 13, 0.3, 6 / 11
    any_cause = 1 - (1 - pa) * (1 - pb) * (1 - pn)
    p = probs(tiny, {"age": 30, "dryness": False})
    assert p["a"] == pytest.approx(pa / any_cause, abs=1e-4)
    assert p["nothing_found"] == pytest.approx(pn / any_cause, abs=1e-4)


def test_first_matching_prior_rule_applies(tiny: Pack) -> None:
    # age 60 uses the rule p = 0.6 for a; the others keep their defaults.
    any_cause = 1 - 0.4 * 0.7 * 0.5
    p = probs(tiny, {"age": 60})
    assert p["a"] == pytest.approx(0.6 / any_cause, abs=1e-4)
    assert assess(tiny, {"age": 60}).urgency.level == "soon"


def test_sites_are_chance_of_at_least_one_cause_there(tiny: Pack) -> None:
    a = assess(tiny, {"age": 30, "dryness": True})
    sites = {s.site: s.probability for s in a.sites}
    assert sites["skin"] == pytest.approx(0.6, abs=1e-4)
    assert sites["joint"] == pytest.approx(0.42, abs=1e-4)
    assert sites["elsewhere"] == 0.0  # the leak is not a place the symptom comes from


def test_interview_asks_opening_then_what_changes_the_answer_then_stops(tiny: Pack) -> None:
    """Dryness can move `a` to the top (3 x its odds); smoking changes nothing shown, so it
    is never asked, however much is left unanswered."""
    assert assess(tiny, {}).next_question is not None
    assert assess(tiny, {}).next_question.fact == "age"  # type: ignore[union-attr]
    q = assess(tiny, {"age": 30}).next_question
    assert q is not None and q.fact == "dryness" and q.reason == "value"
    assert q.expected_change > 0
    done = assess(tiny, {"age": 30, "dryness": True})
    assert done.next_question is None and done.progress.screens_left == 0


def test_the_value_of_a_question_is_its_chance_of_changing_what_is_shown(tiny: Pack) -> None:
    """By hand, at 30: priors a 0.2, b 0.3, leak 0.5; shown first: the leak. Dryness makes
    `a` first (odds 0.25 x 3 = 0.75 against the leak's 1 x 0.4); "no" keeps the order. How
    likely "yes" is for this person mixes P(yes | cause) over the causes' weights:
    0.2 x 0.75 + 0.3 x 0.25 + 0.5 x 0.1 = 0.275. Worth 0.275 x top_cause 1.0."""
    from candid.engine.compiled import compiled
    from candid.engine.decision import question_values
    from candid.engine.infer import posterior

    cp = compiled(tiny)
    values = question_values(cp, {"age": 30}, posterior(cp, {"age": 30}), ["dryness", "smoker"])
    assert values["smoker"] == 0.0
    assert values["dryness"] == pytest.approx(0.275 * 1.0)


def test_a_cause_without_an_entry_gets_the_background(tiny: Pack, tmp_path: Path) -> None:
    """Drop b's entry: its ratio is then derived from the baseline and the other causes.

    Default priors 0.2, 0.3, 0.5 weight the mixture. P(dryness) left for b:
    (0.25 - 0.2 x 0.75 - 0.5 x 0.1) / 0.3 = 1/6; no dryness: (0.75 - 0.05 - 0.45) / 0.3 = 5/6.
    Ratios 2/3 and 10/9; derived ratios never raise a cause, so no dryness gives 1.
    """
    import shutil

    from candid.knowledge.loader import load_pack_from

    folder = tmp_path / "tiny"
    shutil.copytree(Path(tiny_folder(tiny)), folder)
    path = folder / "causes" / "b.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["likelihoods"] = []
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    pack = load_pack_from(folder, validate=False)
    pa, pb, pn = 3 / 7, (0.3 / 0.7 * 2 / 3) / (1 + 0.3 / 0.7 * 2 / 3), 2 / 7
    any_cause = 1 - (1 - pa) * (1 - pb) * (1 - pn)
    p = probs(pack, {"age": 30, "dryness": True})
    assert p["b"] == pytest.approx(pb / any_cause, abs=1e-4)
    assert probs(pack, {"age": 30, "dryness": False})["b"] > 0
    explained = assess(pack, {"age": 30, "dryness": True}).causes
    b = next(c for c in explained if c.id == "b")
    assert b.evidence[0].derived is True and b.evidence[0].ratio == pytest.approx(2 / 3, abs=1e-3)
