"""The command line as a person uses it: exit codes, messages, JSON shape."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CANDID = [sys.executable, "-m", "candid"]


def candid(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    return subprocess.run(
        [*CANDID, *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "facts.json"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_assess_json_has_the_design_shape(tmp_path: Path) -> None:
    facts = write(tmp_path, json.dumps({"age": 24, "hormonal_contraception": "combined"}))
    result = candid("assess", "--facts", facts, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["pathway"] == "postcoital_bleeding"
    assert set(data) >= {
        "knowledge_version",
        "urgency",
        "sites",
        "causes",
        "workup",
        "questions_for_provider",
        "next_question",
    }
    assert data["urgency"]["level"] == "routine" and data["urgency"]["reasons"]
    first = data["causes"][0]
    assert set(first) >= {
        "id",
        "probability",
        "site",
        "for",
        "against",
        "what_can_be_done",
        "citations",
    }
    assert {"id", "why", "tests_for"} <= set(data["workup"][0])
    assert data["next_question"]["fact"] and data["next_question"]["choices"]


def test_assess_in_spanish(tmp_path: Path) -> None:
    facts = write(tmp_path, json.dumps({"age": 30}))
    data = json.loads(candid("assess", "--facts", facts, "--json", "--lang", "es").stdout)
    assert data["language"] == "es"
    assert data["urgency"]["label"] == "Pida una cita"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"age": 30, "blood_type": "O"}', "blood_type: is not a known fact"),
        ('{"age": 200}', "age: 200 is out of range"),
        ('{"smoker": "yes"}', "smoker: expected true or false"),
        ('{"has_cervix": false, "exam_cervix": "polyp"}', "exam_cervix"),
        ('{"age": 30,', "is not valid JSON"),
    ],
)
def test_bad_facts_exit_2_with_a_message_not_a_traceback(
    tmp_path: Path, text: str, expected: str
) -> None:
    result = candid("assess", "--facts", write(tmp_path, text), "--json")
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""


def test_missing_facts_file_exit_2(tmp_path: Path) -> None:
    result = candid("assess", "--facts", str(tmp_path / "nope.json"))
    assert result.returncode == 2 and "cannot read" in result.stderr


def test_unsupported_language_exit_2(tmp_path: Path) -> None:
    result = candid("assess", "--facts", write(tmp_path, "{}"), "--lang", "fr")
    assert result.returncode == 2 and "allowed: en, es" in result.stderr


def test_assess_renders_a_readable_report(tmp_path: Path) -> None:
    facts = write(tmp_path, json.dumps({"age": 62, "menopause": "postmenopausal"}))
    result = candid("assess", "--facts", facts)
    assert result.returncode == 0, result.stderr
    for heading in (
        "Be seen within 2 weeks",
        "Possible causes to discuss",
        "Evaluations to expect",
        "Questions to bring",
        "not a diagnosis",
    ):
        assert heading in result.stdout


def test_kb_validate_passes_on_the_shipped_pack() -> None:
    result = candid("kb", "validate")
    assert result.returncode == 0, result.stdout
    assert "causes" in result.stdout and "sources" in result.stdout


def test_kb_validate_reports_file_and_key(tmp_path: Path) -> None:
    import shutil

    from candid.knowledge.loader import pack_dir

    broken = tmp_path / "pack"
    shutil.copytree(pack_dir(), broken)
    path = broken / "causes" / "cervical_polyp.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("site: cervix", "site: nose"))
    result = candid("kb", "validate", "--path", str(broken))
    assert result.returncode == 1
    assert "causes/cervical_polyp.yaml: site:" in result.stdout


def test_evaluate_json_metrics(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        json.dumps(
            {
                "id": "a",
                "facts": {"age": 60, "menopause": "postmenopausal"},
                "expect": {"urgency": "soon", "workup": ["pelvic_exam"]},
                "source": "ACOG CO 734",
            }
        )
        + "\n"
        + json.dumps(
            {
                "id": "b",
                "facts": {"heavy_bleeding_now": True},
                "expect": {"urgency": "emergency"},
                "source": "JABFM",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    result = candid("evaluate", str(cases), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["n"] == 2
    assert data["urgency_exact"] == 1.0 and data["under_triage"] == 0.0
    assert data["workup_recall"] == 1.0
    assert {c["id"] for c in data["cases"]} == {"a", "b"}
    for key in ("top1", "top3", "over_triage"):
        assert key in data


def test_evaluate_bad_line_names_file_and_line(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"id": "a", "facts": {}, "expect": {}}\n{oops}\n', encoding="utf-8")
    result = candid("evaluate", str(cases))
    assert result.returncode == 2
    assert f"{cases}:2: not valid JSON" in result.stderr


def test_bench_prints_figures() -> None:
    result = candid("bench", "--runs", "200")
    assert result.returncode == 0, result.stderr
    assert "/s" in result.stdout and "p50" in result.stdout and "p99" in result.stdout


def test_evaluate_accepts_numeric_ids_and_extra_expectations(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        json.dumps(
            {
                "id": 7,
                "facts": {"dizziness_or_fainting": True},
                "expect": {"urgency": "emergency", "red_flags": ["dizziness"]},
            }
        )
        + "\n",
        encoding="utf-8",
    )
    result = candid("evaluate", str(cases), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["cases"][0]["id"] == "7" and data["urgency_exact"] == 1.0
