"""Learn pages, the evidence page, feedback, languages and the visit summary, as read."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from candid.engine import assess
from candid.evaluation.metrics import evaluate
from candid.evaluation.vignettes import load_vignettes
from candid.i18n import catalog_path
from candid.knowledge.learn import load_learn
from candid.knowledge.models import Pack
from tests.web.client import csrf, interview, make_client, soup
from tests.web.test_interview_pages import YOUNG_ON_PILL

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return make_client(tmp_path_factory.mktemp("content"))


def test_every_cause_has_a_learn_page_reachable_from_the_index(
    client: TestClient, pack: Pack
) -> None:
    index = soup(client.get("/learn"))
    linked = {str(a["href"]) for a in index.find_all("a", href=True)}
    for cid, cause in pack.causes.items():
        assert f"/learn/causes/{cid}" in linked
        page = client.get(f"/learn/causes/{cid}")
        assert page.status_code == 200
        headings = [h.get_text() for h in soup(page).find_all("h2")]
        for needed in ("What it is", "What can be done", "Sources"):
            assert needed in headings, f"{cid}: {headings}"
        assert cause.explanation.en.split(".")[0] in page.text


def test_guides_are_linked_and_carry_their_sources(client: TestClient, pack: Pack) -> None:
    learn = load_learn()
    for gid, guide in learn.guides.items():
        page = client.get(f"/learn/{gid.replace('_', '-')}")
        assert page.status_code == 200, gid
        assert guide.title.en in page.text
        cited = {k for s in guide.sections for k in s.sources}
        shown = soup(page).get_text()
        for key in cited:
            assert pack.sources[key].citation in shown


def test_no_affiliate_links_unless_a_deployer_adds_them(tmp_path: Path) -> None:
    plain = make_client(tmp_path / "a").get("/learn/comfort")
    assert "paid link" not in plain.text and 'rel="sponsored' not in plain.text
    links = tmp_path / "links.yaml"
    links.write_text("water_based_lubricant: {url: 'https://shop.example/lube', label: 'Shop'}\n")
    configured = make_client(tmp_path / "b", affiliate_links=links).get("/learn/comfort")
    assert "may be paid if you buy through them" in configured.text, "a disclosure is shown"
    assert 'href="https://shop.example/lube"' in configured.text and "paid link" in configured.text


def test_the_evidence_page_reports_the_accuracy_the_vignettes_give_now(
    client: TestClient, pack: Pack
) -> None:
    report = evaluate(load_vignettes(ROOT / "vignettes"), lambda c: assess(pack, c.facts))
    page = client.get("/evidence").text
    assert f"{round(report.top1 * 100, 1)}%" in page
    assert f"{round(report.top3 * 100, 1)}%" in page
    assert f"Cases: {report.n}" in page or f"Cases</span>: {report.n}" in page
    for source in list(pack.sources.values())[:5]:
        assert source.citation in page


def spanish_order(citation: str) -> str:
    """How a Spanish reader files a title: no case, no accents, ñ a letter of its own after n."""
    folded = citation.casefold().replace("ñ", "n~")
    return "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))


def test_the_evidence_page_in_spanish_is_all_spanish(client: TestClient) -> None:
    page = soup(client.get("/evidence?lang=es"))
    client.get("/evidence?lang=en")  # the shared client goes on in English
    main = page.select_one("main")
    assert main is not None
    citations = [h.get_text() for h in main.select("h3")]
    # What is English on purpose is marked so: the editors' notes and reasons, the titles of
    # sources, and the file ids in <code>. Everything else is interface text.
    for kept in main.select('[lang="en"], code, .nhsuk-u-visually-hidden'):
        kept.decompose()
    said = main.get_text(" ")

    template = ROOT / "candid" / "web" / "templates" / "evidence.jinja"
    english = set()
    for _line, message, _comments, _context in extract_from_file(
        "jinja2", str(template), options={"extensions": "jinja2.ext.i18n"}
    ):
        for form in message if isinstance(message, tuple) else (message,):
            english |= {part.strip() for part in re.split(r"%\(\w+\)s", form) if part.strip()}
    assert len(english) > 30
    left = sorted(s for s in english if len(s) > 2 and re.search(rf"\b{re.escape(s)}\b", said))
    assert not left, f"English on the Spanish page: {left}"
    words = r"\b(the|and|of|is|are|with|also|sourced|uses?|cases|read|estimates?)\b"
    assert not re.findall(words, said, flags=re.IGNORECASE), "text that never reached _()"

    cells = [td.get_text() for td in main.select("td:last-child")]
    assert cells and all(re.fullmatch(r"\d{1,3},\d\s%", c) for c in cells), cells
    assert not re.search(r"\d\.\d\s?%", said)

    counts = [(int(n), word) for n, word in re.findall(r"\b(\d+) (usos?)\b", said)]
    assert len(counts) == len(citations)
    assert {word for _, word in counts} == {"uso", "usos"}
    assert all((n == 1) == (word == "uso") for n, word in counts), counts
    assert re.search(r"\b1 estimación|\b\d+ estimaciones no tienen", said)

    assert citations == sorted(citations, key=spanish_order)
    cekmez = next(i for i, c in enumerate(citations) if c.startswith("Çekmez"))
    assert citations[cekmez - 1][0] in "BC" and citations[cekmez + 1][0] in "CD", (
        "Ç is filed under C, not after Z"
    )


def test_feedback_is_stored_without_personal_data(tmp_path: Path) -> None:
    client = make_client(tmp_path)
    form = client.get("/feedback")
    bad = client.post("/feedback", data={"csrf": csrf(form), "rating": "9", "comment": "x"})
    assert bad.status_code == 422 and "from 1 to 5" in bad.text
    assert 'value="x"' in bad.text or ">x</textarea>" in bad.text, "the comment is kept"
    too_long = client.post(
        "/feedback", data={"csrf": csrf(form), "rating": "3", "comment": "y" * 1001}
    )
    assert too_long.status_code == 422 and "1000 characters" in too_long.text
    ok = client.post(
        "/feedback", data={"csrf": csrf(form), "rating": "4", "comment": "Cle\x00ar\x07"}
    )
    assert ok.url.path == "/feedback" and "Thank you" in ok.text
    with create_engine(f"sqlite:///{tmp_path / 'candid.db'}").connect() as conn:
        rows = conn.execute(text("SELECT * FROM feedback")).mappings().all()
    assert len(rows) == 1
    assert set(rows[0]) == {"id", "day", "rating", "comment", "language", "knowledge_version"}
    assert rows[0]["rating"] == 4 and rows[0]["comment"] == "Clear"


def test_spanish_is_one_click_away_and_keeps_the_answers(client: TestClient) -> None:
    interview(client, YOUNG_ON_PILL)
    check = client.get("/check")
    switch = soup(check).select_one("a[hreflang=es]")
    assert switch is not None
    es = client.get(str(switch["href"]))
    html = soup(es).select_one("html")
    assert html is not None and html["lang"] == "es"
    assert "Revise sus respuestas" in es.text or "respuestas" in es.text
    assert "¿Cuántos años tiene?" in es.text
    assert len(soup(es).select(".nhsuk-summary-list__row")) == len(
        soup(check).select(".nhsuk-summary-list__row")
    )
    client.get("/?lang=en")


def test_every_interface_string_has_a_spanish_translation() -> None:
    with open(catalog_path("es"), "rb") as fh:
        catalog = read_po(fh)
    translated = {m.id for m in catalog if m.id and m.string}
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:  # what `make messages` reads
        method_map, options = parse_mapping_cfg(fh)  # type: ignore[no-untyped-call]
    found = {
        msg[2] if isinstance(msg[2], str) else msg[2][0]
        for msg in extract_from_dir(
            str(ROOT), method_map, options, keywords={"_": None, "gettext": None, "tr": (2,)}
        )
    }
    missing = sorted(found - translated)
    assert not missing, f"run `make messages` and translate: {missing}"


def test_the_visit_summary_pdf_has_the_results_in_it(tmp_path: Path) -> None:
    client = make_client(tmp_path)
    interview(client, YOUNG_ON_PILL)
    results = soup(client.get("/results"))
    urgency = results.select_one("#urgency h3")
    first_cause = results.select_one("details.candid-cause summary")
    assert urgency is not None and first_cause is not None
    pdf = client.get("/summary.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is installed by `make test`")
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf.content)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    words = " ".join(out.stdout.split())
    label = " ".join(urgency.get_text().split()).split(": ", 1)[-1]
    assert label in words
    assert " ".join(first_cause.get_text().split()).split(":")[0] in words
    assert "Knowledge version" in words and "Questions to ask" in words
    # A clinician reads the top first: who, how soon, and why, before the causes.
    header = words.index("At a glance, for the clinician")
    assert header < words.index("How old are you?") < words.index("Possible causes to discuss")
    assert header < words.index(label)
    assert "• ☐" not in words and "☐" in words, "one marker per question to ask"


def test_a_bad_affiliate_links_file_is_refused_at_start_naming_the_key(tmp_path: Path) -> None:
    links = tmp_path / "links.yaml"
    links.write_text("glitter_lube: {url: 'https://shop.example/x', label: 'Shop'}\n")
    with pytest.raises(ValueError, match="glitter_lube"):
        make_client(tmp_path / "a", affiliate_links=links)
    links.write_text("water_based_lubricant: {url: 'javascript:alert(1)', label: 'Shop'}\n")
    with pytest.raises(ValueError, match="water_based_lubricant"):
        make_client(tmp_path / "b", affiliate_links=links)


def test_the_visit_summary_dates_read_as_each_language_writes_them(tmp_path: Path) -> None:
    import datetime as dt

    client = make_client(tmp_path)
    interview(client, YOUNG_ON_PILL)
    today = dt.date.today()
    english = client.get("/summary").text
    assert f"{today.day} {today.strftime('%B')} {today.year}" in english
    assert today.isoformat() not in english
    spanish = client.get("/summary?lang=es").text
    assert f"{today.day} de " in spanish and str(today.year) in spanish
