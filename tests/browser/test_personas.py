"""Three people, from the start page to the PDF they take to their appointment."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page

from candid.knowledge.models import Level
from tests.browser.helpers import (
    LEVEL_LABEL,
    LEVEL_RANK,
    PACK,
    LiveServer,
    Traffic,
    causes_shown,
    normalise,
    path_of,
    run_interview,
    start,
    submit,
    text_before,
)


@dataclass(frozen=True)
class Persona:
    name: str
    answers: dict[str, str]
    at_least: Level
    """The least urgent level the results may show."""
    any_of_causes: tuple[str, ...]
    """At least one of these causes must be shown (as likely or as also considered)."""


PERSONAS = [
    Persona(
        name="22, combined pill, light spotting",
        answers={
            "age": "22",
            "has_uterus": "true",
            "pregnant": "no",
            "hormonal_contraception": "combined",
            "bleeding_amount": "spotting",
            "new_or_multiple_partners": "true",
            "cervical_screening": "unknown",
        },
        at_least="routine",
        any_of_causes=("cervical_ectropion", "chlamydia"),
    ),
    Persona(
        name="62, postmenopausal",
        answers={
            "age": "62",
            "has_uterus": "true",
            "menopause": "postmenopausal",
            "bleeding_amount": "light",
            "dryness": "true",
            "pain_with_sex": "entry",
        },
        at_least="soon",
        any_of_causes=(
            "endometrial_hyperplasia_or_cancer",
            "endometrial_polyp",
            "genitourinary_atrophy",
        ),
    ),
    Persona(
        name="28, pregnant",
        answers={"age": "28", "has_uterus": "true", "pregnant": "yes", "bleeding_amount": "light"},
        at_least="urgent",
        any_of_causes=("pregnancy_related",),
    ),
]


def level_shown(heading: str) -> Level:
    found = [level for level, label in LEVEL_LABEL.items() if label in heading]
    assert len(found) == 1, f"no single urgency label in {heading!r}"
    return found[0]


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p.name)
def test_persona_from_start_to_pdf(
    page: Page, server: LiveServer, traffic: Traffic, tmp_path: Path, persona: Persona
) -> None:
    start(page)
    assert path_of(page) == "/groups/right_now", "the interview opens with the red flags"
    asked = run_interview(page, persona.answers)
    assert path_of(page) == "/check", f"ended on {page.url} after {asked}"
    rows = page.locator("main .nhsuk-summary-list__row")
    assert rows.count() == len(asked), "check your answers lists every question answered"

    submit(page, page.get_by_role("link", name="See my results"))
    assert path_of(page) == "/results"
    # The urgency comes first: nothing but the page heading is shown before it.
    assert text_before(page, ".nhsuk-card--care")["visible"] == ["Your results"]
    heading = page.locator("main #urgency .nhsuk-card--care__heading").inner_text()
    level = level_shown(heading)
    assert LEVEL_RANK[level] >= LEVEL_RANK[persona.at_least], (
        f"{persona.name}: {level!r} is less urgent than {persona.at_least!r}"
    )
    label = LEVEL_LABEL[level]
    bars = page.get_by_role("img", name="Where the bleeding may come from")
    assert not bars.is_visible(), "details on demand: the bars are one click away"
    page.locator("main summary", has_text="Where the bleeding may come from").click()
    assert bars.is_visible()
    assert bars.locator("rect.candid-bar").count() == len(PACK.meta.sites), "one bar per site"
    shown = causes_shown(page)
    assert shown["likely"], "no likely causes on the results page"
    assert set(persona.any_of_causes) & set(shown["all"]), (
        f"{persona.name}: none of {persona.any_of_causes} among {shown['all']}"
    )

    submit(page, page.get_by_role("link", name="View and print your visit summary"))
    assert path_of(page) == "/summary"
    summary = normalise(page.locator("main").inner_text())
    assert label in summary
    assert page.locator("main table").last.locator("tbody tr").count() == len(asked)
    submit(page, page.get_by_role("link", name="Back to your results"))

    with page.expect_download() as info:
        page.get_by_role("link", name="Download your visit summary (PDF)").click()
    download = info.value
    assert download.suggested_filename == "candid-visit-summary.pdf"
    pdf = tmp_path / "summary.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    # -raw keeps each table cell's lines together, so a wrapped cause name reads whole.
    text = normalise(
        subprocess.run(
            ["pdftotext", "-raw", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
    )
    assert label in text, f"the PDF does not say {label!r}"
    assert text.count("Possible causes to discuss") == 1, "a heading printed twice in the PDF"
    first = PACK.causes[shown["likely"][0]].name.get("en")
    assert first in text, f"the PDF does not list {first!r}, shown on the results page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    pngs = list(tmp_path.glob("page*.png"))
    assert len(pngs) == 1 and pngs[0].stat().st_size > 0, "pdftoppm did not render page 1"

    assert not traffic.third_party(server.url), traffic.third_party(server.url)
    assert len(traffic.requests) > len(asked), "requests were not recorded"
