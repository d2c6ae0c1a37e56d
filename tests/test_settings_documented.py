"""A deployer learns the settings from the README and docs/deploy.md: each names every one."""

from __future__ import annotations

from pathlib import Path

import pytest

from candid.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("document", ["README.md", "docs/deploy.md"])
def test_every_setting_is_named_in_the_document(document: str) -> None:
    text = (ROOT / document).read_text(encoding="utf-8")
    missing = [
        f"CANDID_{name.upper()}"
        for name in Settings.model_fields
        if f"CANDID_{name.upper()}" not in text
    ]
    assert missing == [], f"{document} does not name {', '.join(missing)}"
