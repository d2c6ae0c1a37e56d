"""Nothing a person answers reaches the logs or the database during a full interview."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from candid.engine import question_for
from candid.knowledge.models import Pack
from tests.web.client import csrf, interview, make_client

# Distinctive answers, so a leak anywhere would be found by a plain text search.
ANSWERS = {
    "heavy_bleeding_now": "false",
    "dizziness_or_fainting": "false",
    "severe_abdominal_pain": "false",
    "age": "43",
    "menopause": "perimenopausal",
    "pregnant": "no",
    "hormonal_contraception": "progestin_only",
    "new_or_multiple_partners": "true",
    "impact_on_intimacy": "avoiding_sex",
}


def test_no_answer_reaches_the_logs_or_the_database(
    tmp_path: Path, pack: Pack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(tmp_path)
    _r, asked = interview(client, ANSWERS)
    results = client.get("/results")
    client.get("/summary")
    client.get("/summary.pdf")
    client.post("/feedback", data={"csrf": csrf(results), "rating": "4"})  # makes the database
    labels = [
        o.label
        for fact in asked
        for o in question_for(pack, fact, "en").options
        if fact in ANSWERS and o.value == ANSWERS[fact]
    ]
    # Words like "age" or "No" are everywhere; the distinctive ids and labels are not.
    needles = [n for n in [*asked, *labels] if "_" in n or len(n) >= 12]
    needles += ["perimenopausal", "progestin_only", "avoiding_sex"]
    assert len(needles) >= 15
    # httpx is the test's own browser stand-in: its request lines are the client's, not ours.
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    for needle in needles:
        assert needle not in logged, f"{needle!r} reached the logs"
    db = tmp_path / "candid.db"
    assert db.exists()
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        dump = "\n".join(
            str(row)
            for table in inspect(conn).get_table_names()
            for row in conn.execute(text(f'SELECT * FROM "{table}"'))
        )
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("candid.db*"))
    for needle in needles:
        assert needle not in dump, f"{needle!r} is in the database"
        assert needle.encode() not in raw, f"{needle!r} is in the database file"
