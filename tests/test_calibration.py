"""Calibration against published prevalence (docs/calibration.md): for each named group, the
engine is inside the published range or the pack says why not; the check can fail; and the
table is validated with the pack, by file and key."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from candid.cli import app
from candid.evaluation import calibration as cal
from candid.knowledge import calibration
from candid.knowledge.calibration import Entry
from candid.knowledge.loader import installed_packs, load_pack, load_pack_from, pack_dir
from candid.knowledge.problems import PackError
from candid.knowledge.yaml_io import read_yaml

ROOT = Path(__file__).resolve().parents[1]
FILE = calibration.FILE


def entry(**changes: Any) -> Entry:
    """A synthetic entry: cervical cancer at 35, published 40-60% (far above the engine)."""
    data: dict[str, Any] = {
        "id": "synthetic",
        "group": "A made-up group",
        "facts": {"age": 35},
        "causes": ["cervical_cancer"],
        "published": {
            "point": 0.5,
            "low": 0.4,
            "high": 0.6,
            "interval": "ci95",
            "population": "nobody",
        },
        "sources": ["shapley2006"],
    }
    data.update(changes)
    return Entry.model_validate(data)


@pytest.mark.parametrize("pathway", installed_packs())
def test_every_entry_is_within_its_published_range_or_explains_why(pathway: str) -> None:
    rows = cal.compare(load_pack(pathway), cal.load_calibration(pathway))
    unexplained = [
        f"{r.id}: engine {cal.percent(r.engine)}, published {cal.published_text(r)}"
        for r in rows
        if r.unexplained
    ]
    assert not unexplained, "outside the published range without an explanation:\n" + "\n".join(
        unexplained
    )


def test_the_table_covers_the_groups_the_issue_names() -> None:
    """Issue 14: endometrial cancer after menopause, cervical cancer by screening status, CIN,
    chlamydia under 25, ectropion with the pill, and no cause found."""
    pairs = [(c, e.facts) for e in cal.load_calibration() for c in e.causes]

    def has(cause: str, **facts: Any) -> bool:
        return any(c == cause and facts.items() <= f.items() for c, f in pairs)

    assert has("endometrial_hyperplasia_or_cancer", menopause="postmenopausal")
    assert has("cervical_cancer", cervical_screening="up_to_date_normal")
    assert has("cervical_cancer", cervical_screening="overdue_or_never")
    assert has("cervical_dysplasia")
    assert any(c == "chlamydia" and int(f["age"]) < 25 for c, f in pairs)
    assert has("cervical_ectropion", hormonal_contraception="combined")
    assert has("no_cause_found")


def test_an_entry_outside_its_range_without_an_explanation_is_reported() -> None:
    pack = load_pack()
    [row] = cal.compare(pack, [entry()])
    assert not row.within and row.unexplained
    assert cal.verdict(row) == "outside (below)"
    [explained] = cal.compare(pack, [entry(explanation="A made-up reason.")])
    assert not explained.within and not explained.unexplained
    [inside] = cal.compare(
        pack,
        [
            entry(
                published={
                    "point": row.engine,
                    "low": 0.0,
                    "high": 1.0,
                    "interval": "studies",
                    "population": "everyone",
                }
            )
        ],
    )
    assert inside.within and not inside.unexplained


def test_several_causes_are_added() -> None:
    pack = load_pack()
    both = cal.engine_probability(pack, entry(causes=["cervical_cancer", "cervical_dysplasia"]))
    one = cal.engine_probability(pack, entry(causes=["cervical_cancer"]))
    other = cal.engine_probability(pack, entry(causes=["cervical_dysplasia"]))
    assert both == pytest.approx(one + other)


def test_the_command_fails_on_an_unexplained_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.setattr(cal, "load_calibration", lambda *_: (entry(),))
    failed = runner.invoke(app, ["calibrate", "--json"])
    assert failed.exit_code == 1
    data = json.loads(failed.stdout)
    assert data["summary"]["outside_unexplained"] == 1
    assert data["entries"][0]["id"] == "synthetic"
    monkeypatch.setattr(cal, "load_calibration", lambda *_: (entry(explanation="Made up."),))
    assert runner.invoke(app, ["calibrate"]).exit_code == 0


def test_the_command_prints_table_json_and_markdown() -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["calibrate"], env={"COLUMNS": "160"})
    assert shown.exit_code == 0, shown.stdout
    assert "within the published range" in shown.stdout
    data = json.loads(runner.invoke(app, ["calibrate", "--json"]).stdout)
    ids = [e["id"] for e in data["entries"]]
    assert ids == [e.id for e in cal.load_calibration()]
    assert set(data["entries"][0]) >= {"group", "causes", "engine", "low", "high", "within"}
    table = runner.invoke(app, ["calibrate", "--markdown"]).stdout
    assert table.startswith("| entry | group (engine facts) |")
    assert table.count("\n| ") == len(ids)  # one row each, after the header


@pytest.mark.parametrize("pathway", installed_packs())
def test_the_doc_lists_every_entry(pathway: str) -> None:
    doc = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
    missing = [e.id for e in cal.load_calibration(pathway) if f"**{e.id}**" not in doc]
    assert not missing, f"regenerate docs/calibration.md (candid calibrate --markdown): {missing}"


# Validation, with the rest of the pack, by file and key.


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "pack"
    shutil.copytree(pack_dir(), target)
    return target


def problems_after(folder: Path, change: dict[str, Any]) -> list[tuple[str, str]]:
    """Keys and messages of the problems found once `change` is merged into the first entry."""
    path = folder / FILE
    data = read_yaml(path)
    first = next(iter(data))
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(data[first].get(key), dict):
            data[first][key] = {**data[first][key], **value}
        else:
            data[first][key] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_pack_from(folder)
    assert all(p.file == FILE for p in info.value.problems)
    return [(p.key, p.message) for p in info.value.problems]


def test_an_unknown_fact_is_refused(copy: Path) -> None:
    found = problems_after(copy, {"facts": {"no_such_fact": True}})
    assert any(k.endswith("facts.no_such_fact") for k, _ in found)


def test_a_value_the_fact_does_not_take_is_refused(copy: Path) -> None:
    found = problems_after(copy, {"facts": {"menopause": "sometimes", "age": 300}})
    keys = {k.rsplit(".", 1)[-1] for k, _ in found}
    assert keys == {"menopause", "age"}


def test_an_unknown_cause_or_source_is_refused(copy: Path) -> None:
    found = problems_after(copy, {"causes": ["no_such_cause"], "sources": ["no_such_paper"]})
    assert any("no_such_cause" in m for _, m in found)
    assert any("no_such_paper" in m for _, m in found)


@pytest.mark.parametrize(
    "published",
    [
        {"point": 0.05, "low": 0.08, "high": 0.11},  # point below the range
        {"point": 0.09, "low": 0.11, "high": 0.08},  # range reversed
        {"point": 0.09, "low": 0.08, "high": 1.2},  # above 1
        {"point": 0.09, "low": -0.01, "high": 0.11},  # below 0
    ],
)
def test_a_range_out_of_order_is_refused(copy: Path, published: dict[str, float]) -> None:
    found = problems_after(copy, {"published": published})
    assert any(".published" in k for k, _ in found)


def test_a_derived_figure_needs_its_derivation(copy: Path) -> None:
    found = problems_after(copy, {"published": {"interval": "derived", "derivation": None}})
    assert any("derivation" in m for _, m in found)


def test_an_unexplained_entry_still_loads(copy: Path) -> None:
    """Outside the range without an explanation is for the tests to refuse, not the loader:
    a pack change that moves a figure must not stop the pack from loading."""
    outside = next(r.id for r in cal.compare(load_pack(), cal.load_calibration()) if not r.within)
    path = copy / FILE
    data = read_yaml(path)
    del data[outside]["explanation"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    pack = load_pack_from(copy)
    rows = cal.compare(pack, calibration.load_from(copy, pack))
    assert [r.id for r in rows if r.unexplained] == [outside]


def test_a_pack_without_a_calibration_table_loads(copy: Path) -> None:
    (copy / FILE).unlink()
    pack = load_pack_from(copy)
    assert calibration.load_from(copy, pack) == []
