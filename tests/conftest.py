"""Shared fixtures: the installed pack and a one-line way to assess facts."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from candid.engine import Assessment, assess
from candid.knowledge.loader import load_pack
from candid.knowledge.models import Pack

Assess = Callable[..., Assessment]

# Apps built by the tests keep their generated key and SQLite file out of the user's home.
os.environ.setdefault("XDG_DATA_HOME", tempfile.mkdtemp(prefix="candid-tests-"))


@pytest.fixture(scope="session")
def pack() -> Pack:
    return load_pack()


@pytest.fixture(scope="session")
def run(pack: Pack) -> Assess:
    def _run(facts: Mapping[str, Any], **kwargs: Any) -> Assessment:
        return assess(pack, facts, **kwargs)

    return _run


def probability(a: Assessment, cause_id: str) -> float:
    for cause in a.causes:
        if cause.id == cause_id:
            return cause.probability
    return 0.0


def rank_of(a: Assessment, cause_id: str) -> int:
    ids = [c.id for c in a.causes]
    return ids.index(cause_id) if cause_id in ids else len(ids)
