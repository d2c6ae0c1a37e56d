"""Plain language: patient-facing text reads at Flesch-Kincaid grade 8 or below (textstat).

Checked per cause (its explanation, options, questions and learn page) and per page (the
text of <main> as rendered, less the bibliography, whose citations are not prose).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import textstat  # type: ignore[import-untyped]
from fastapi.testclient import TestClient

from candid.knowledge.learn import load_learn
from candid.knowledge.models import Pack
from tests.web.client import interview, main_of, make_client, start, tick
from tests.web.test_interview_pages import YOUNG_ON_PILL

GRADE = 8.0


def grade(text: str) -> float:
    return float(textstat.flesch_kincaid_grade(text))


def cause_text(pack: Pack, cid: str, lang: str) -> str:
    """Everything a person reads about one cause: its explanation, options and questions, and
    its learn page, each part ended as a sentence."""
    cause, page = pack.causes[cid], load_learn().causes[cid]
    parts = [cause.explanation, *(t.text for t in cause.what_can_be_done), *cause.questions]
    for section in page.sections:
        parts += [*section.paragraphs, *section.items]
    texts = (t.get(lang) for t in parts)
    return " ".join(t if t.rstrip().endswith((".", "?", "!")) else t + "." for t in texts)


def test_each_cause_reads_at_grade_8_or_below(pack: Pack) -> None:
    grades = {cid: grade(cause_text(pack, cid, "en")) for cid in pack.causes}
    too_hard = {cid: round(g, 1) for cid, g in grades.items() if g > GRADE}
    assert not too_hard, f"above grade {GRADE}: {too_hard}"


def _main_text(html_page: TestClient, url: str) -> str:
    main = main_of(html_page.get(url))
    for biblio in main.select("ol.nhsuk-list--number, code, table"):
        biblio.decompose()
    # A heading, list item or label is a unit of its own, as a reader takes it: end each one
    # as a sentence, or a list of twenty links would count as one enormous sentence.
    for block in main.find_all(["h1", "h2", "h3", "h4", "li", "dt", "dd", "label", "legend"]):
        if not block.get_text().rstrip().endswith((".", "?", "!", ":")):
            block.append(".")
    return " ".join(main.get_text(" ").split())


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    client = make_client(tmp_path_factory.mktemp("readability"))
    interview(client, YOUNG_ON_PILL)
    return client


PAGES = [
    "/",
    "/questions/hormonal_contraception?change=true",
    "/check",
    "/results",
    "/summary",
    "/learn",
    "/learn/where-bleeding-comes-from",
    "/learn/comfort",
    "/learn/meanwhile",
    "/feedback",
]


@pytest.mark.parametrize("url", PAGES)
def test_each_page_reads_at_grade_8_or_below(client: TestClient, url: str) -> None:
    text = _main_text(client, url)
    assert len(text.split()) > 20, url
    assert grade(text) <= GRADE, f"{url}: grade {grade(text):.1f}"


def test_each_learn_page_reads_at_grade_8_or_below(client: TestClient, pack: Pack) -> None:
    grades = {cid: grade(_main_text(client, f"/learn/causes/{cid}")) for cid in pack.causes}
    too_hard = {cid: round(g, 1) for cid, g in grades.items() if g > GRADE}
    assert not too_hard, too_hard


def test_the_emergency_page_reads_at_grade_8_or_below(tmp_path: Path) -> None:
    client = make_client(tmp_path)
    tick(client, start(client), ["heavy_bleeding_now"])
    assert grade(_main_text(client, "/emergency")) <= GRADE


SPANISH_EASE = 60.0
"""Fernández-Huerta reading ease (textstat), Spanish's adaptation of Flesch: 60-70 is
"standard" (about US grade 8), higher is easier."""


def spanish_ease(text: str) -> float:
    textstat.set_lang("es")
    try:
        return float(textstat.fernandez_huerta(text))
    finally:
        textstat.set_lang("en_US")


def test_each_cause_reads_easily_in_spanish_too(pack: Pack) -> None:
    scores = {cid: spanish_ease(cause_text(pack, cid, "es")) for cid in pack.causes}
    too_hard = {cid: round(s, 1) for cid, s in scores.items() if s < SPANISH_EASE}
    assert not too_hard, f"Fernández-Huerta below {SPANISH_EASE}: {too_hard}"


@pytest.mark.parametrize("url", ["/?lang=es", "/results?lang=es", "/learn/comfort?lang=es"])
def test_spanish_pages_read_easily(client: TestClient, url: str) -> None:
    text = _main_text(client, url)
    client.get("/?lang=en")
    assert spanish_ease(text) >= SPANISH_EASE, f"{url}: {spanish_ease(text):.1f}"
