"""Reading vignette files (JSON Lines, docs/evaluation.md format) with errors that name the line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Expect(BaseModel):
    # Other sets may expect more (red flags, sites); what this runner does not score is kept.
    model_config = ConfigDict(extra="allow")
    causes: list[str] = Field(default_factory=list)
    urgency: str | None = None
    workup: list[str] = Field(default_factory=list)


class Vignette(BaseModel):
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)
    id: str
    facts: dict[str, Any]
    expect: Expect
    source: str = ""


class VignetteFileError(ValueError):
    pass


def vignette_files(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(path.glob("*.jsonl"))
        if not found:
            raise VignetteFileError(f"{path}: no .jsonl files in this folder")
        return found
    if not path.exists():
        raise VignetteFileError(f"{path}: no such file or folder")
    return [path]


def load_vignettes(path: Path) -> list[Vignette]:
    cases: list[Vignette] = []
    seen: set[str] = set()
    for file in vignette_files(path):
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{file}:{number}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as err:
                raise VignetteFileError(f"{where}: not valid JSON ({err.msg})") from None
            try:
                case = Vignette.model_validate(data)
            except ValidationError as err:
                first = err.errors()[0]
                field = ".".join(str(p) for p in first["loc"])
                raise VignetteFileError(f"{where}: {field}: {first['msg']}") from None
            if case.id in seen:
                raise VignetteFileError(f"{where}: duplicate id {case.id!r}")
            seen.add(case.id)
            cases.append(case)
    if not cases:
        raise VignetteFileError(f"{path}: no cases")
    return cases
