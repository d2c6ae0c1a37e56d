"""Read a pack folder into a validated `Pack`.

The pack is split over files an editor can review one at a time (one file per cause, as
sqlfluff keeps one rule per file); this module stitches them together and reports problems by
file and key so the editor knows where to look.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from candid.knowledge import calibration, ehr_codes
from candid.knowledge.models import (
    Cause,
    Contradiction,
    EngineWords,
    Fact,
    Inference,
    Interview,
    Pack,
    PackMeta,
    ProviderQuestion,
    Source,
    StageSpec,
    Urgency,
    WorkupItem,
)
from candid.knowledge.problems import PackError, Problem
from candid.knowledge.validator import check_pack
from candid.knowledge.yaml_io import read_yaml

DEFAULT_PACK = "postcoital_bleeding"
SHARED_FACTS = "shared_facts.yaml"
SHARED_WORDING = "shared_wording.yaml"
"""Facts more than one pathway asks, defined once beside the packs (docs/architecture.md,
"Shared facts"): a person with two symptoms answers them once, in the same words."""
SHARED_MAY_ADD = frozenset({"baseline"})
M = TypeVar("M", bound=BaseModel)


def pack_dir(name: str = DEFAULT_PACK) -> Path:
    return Path(str(files("candid.packs").joinpath(name)))


@cache
def installed_packs() -> tuple[str, ...]:
    """Every pathway installed beside Candid (a folder of `candid/packs` with a pack.yaml),
    in name order: each is served everywhere (docs/architecture.md)."""
    root = Path(str(files("candid.packs")))
    return tuple(sorted(p.name for p in root.iterdir() if (p / "pack.yaml").is_file()))


def installed_pack(name: str) -> Pack:
    """An installed pack by id; `UnknownPack` (naming the installed ones) for any other."""
    if name not in installed_packs():
        raise UnknownPack(name, installed_packs())
    return load_pack(name)


class UnknownPack(LookupError):
    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        super().__init__(f"Unknown pathway {name!r}; installed: {', '.join(known)}")
        self.name = name
        self.known = known


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top)"


def _parse(model: type[M], data: Any, file: str, prefix: str, problems: list[Problem]) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        for e in err.errors():
            key = ".".join(filter(None, [prefix, _loc(tuple(e["loc"]))]))
            problems.append(Problem(file, key, e["msg"]))
        return None


def _keyed(model: type[M], data: Any, file: str, problems: list[Problem]) -> dict[str, M]:
    """Sections written as `id: {...}` mappings; the id is injected so models carry it."""
    out: dict[str, M] = {}
    if not isinstance(data, dict):
        problems.append(Problem(file, "(top)", "expected a mapping of id to entry"))
        return out
    for key, entry in data.items():
        if not isinstance(entry, dict):
            problems.append(Problem(file, str(key), "expected a mapping"))
            continue
        parsed = _parse(model, {"id": str(key), **entry}, file, str(key), problems)
        if parsed is not None:
            out[str(key)] = parsed
    return out


def _read(folder: Path, name: str, problems: list[Problem]) -> Any:
    path = folder / name
    if not path.exists():
        problems.append(Problem(name, "(file)", "missing"))
        return None
    try:
        return read_yaml(path)
    except Exception as err:  # a YAML syntax error names the line; keep going for the rest
        problems.append(Problem(name, "(file)", f"cannot be read as YAML: {err}"))
        return None


def _listed(model: type[M], folder: Path, name: str, problems: list[Problem]) -> list[M]:
    """Sections written as a YAML list; problems are keyed by position."""
    raw = _read(folder, name, problems) or []
    if not isinstance(raw, list):
        problems.append(Problem(name, "(top)", "expected a list"))
        return []
    parsed = (_parse(model, item, name, str(i), problems) for i, item in enumerate(raw))
    return [item for item in parsed if item is not None]


def shared_facts_path() -> Path:
    return Path(str(files("candid.packs").joinpath(SHARED_FACTS)))


def _shared_definitions(problems: list[Problem]) -> dict[str, dict[str, Any]]:
    """The shared library as written. A baseline says how one pathway's population answers,
    so it belongs to the pack that uses the fact, never to the library."""
    raw = _read(shared_facts_path().parent, SHARED_FACTS, problems)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(Problem(SHARED_FACTS, "(top)", "expected a mapping of id to fact"))
        return {}
    out: dict[str, dict[str, Any]] = {}
    for key, entry in raw.items():
        if not isinstance(entry, dict):
            problems.append(Problem(SHARED_FACTS, str(key), "expected a mapping"))
        elif "baseline" in entry:
            problems.append(
                Problem(SHARED_FACTS, f"{key}.baseline", "write the baseline in each pack")
            )
        else:
            out[str(key)] = entry
    return out


def _with_shared(data: Any, problems: list[Problem]) -> Any:
    """facts.yaml with every `id: {shared: true, ...}` entry replaced by the library's
    definition plus what the pack adds (its baseline). A pack that defines a shared fact
    itself is refused: one concept, one representation."""
    if not isinstance(data, dict):
        return data
    shared = _shared_definitions(problems)
    out: dict[str, Any] = {}
    for key, entry in data.items():
        name = str(key)
        if not isinstance(entry, dict) or entry.get("shared") is not True:
            if name in shared:
                problems.append(
                    Problem(
                        "facts.yaml",
                        name,
                        f"is defined in {SHARED_FACTS}: write `{name}: {{shared: true}}`"
                        " (adding a baseline if this pathway has one)",
                    )
                )
            out[name] = entry
            continue
        extra = sorted(set(entry) - {"shared"} - SHARED_MAY_ADD)
        if extra:
            problems.append(
                Problem(
                    "facts.yaml",
                    name,
                    f"a shared fact may add only {sorted(SHARED_MAY_ADD)}, not {extra}",
                )
            )
        if name not in shared:
            problems.append(Problem("facts.yaml", name, f"is not defined in {SHARED_FACTS}"))
            continue
        out[name] = {**shared[name], **{k: v for k, v in entry.items() if k in SHARED_MAY_ADD}}
    return out


def load_pack_from(folder: Path, *, validate: bool = True) -> Pack:
    problems: list[Problem] = []
    meta = _parse(PackMeta, _read(folder, "pack.yaml", problems), "pack.yaml", "", problems)
    facts_data = _with_shared(_read(folder, "facts.yaml", problems), problems)
    facts = _keyed(Fact, facts_data, "facts.yaml", problems)
    sources = _keyed(Source, _read(folder, "sources.yaml", problems), "sources.yaml", problems)
    workup = _keyed(WorkupItem, _read(folder, "workup.yaml", problems), "workup.yaml", problems)
    urgency = _parse(Urgency, _read(folder, "urgency.yaml", problems), "urgency.yaml", "", problems)
    interview = _parse(
        Interview, _read(folder, "interview.yaml", problems), "interview.yaml", "", problems
    )
    stages = _listed(StageSpec, folder, "stages.yaml", problems)
    contradictions = _listed(Contradiction, folder, "contradictions.yaml", problems)
    inferences = _listed(Inference, folder, "inferences.yaml", problems)
    questions = _listed(ProviderQuestion, folder, "provider_questions.yaml", problems)
    shared = shared_facts_path().parent
    words = _parse(
        EngineWords, _read(shared, SHARED_WORDING, problems), SHARED_WORDING, "", problems
    )
    causes: dict[str, Cause] = {}
    for path in sorted((folder / "causes").glob("*.yaml")):
        rel = f"causes/{path.name}"
        try:
            data = read_yaml(path)
        except Exception as err:
            problems.append(Problem(rel, "(file)", f"cannot be read as YAML: {err}"))
            continue
        cause = _parse(Cause, data, rel, "", problems)
        if cause is None:
            continue
        if cause.id != path.stem:
            problems.append(Problem(rel, "id", f"must match the file name '{path.stem}'"))
        causes[cause.id] = cause
    if problems or meta is None or urgency is None or interview is None or words is None:
        raise PackError(problems)
    pack = Pack(
        meta=meta,
        facts=facts,
        contradictions=contradictions,
        inferences=inferences,
        causes=causes,
        urgency=urgency,
        workup=workup,
        stages=stages,
        interview=interview,
        provider_questions=questions,
        sources=sources,
        words=words,
    )
    if validate:
        found = check_pack(pack) + _ehr_code_problems(folder, pack)
        found += calibration.problems_in(folder, pack)
        if found:
            raise PackError(found)
    return pack


def _ehr_code_problems(folder: Path, pack: Pack) -> list[Problem]:
    """`ehr_codes.yaml` (optional: a pack without it has no EHR mapping) against the pack."""
    if not (folder / ehr_codes.FILE).exists():
        return []
    problems: list[Problem] = []
    data = _read(folder, ehr_codes.FILE, problems)
    codes = _parse(ehr_codes.EhrCodes, data, ehr_codes.FILE, "", problems)
    if codes is not None:
        problems += ehr_codes.problems(codes, pack)
    return problems


@cache
def load_pack(name: str = DEFAULT_PACK) -> Pack:
    """The installed pack, loaded and validated once per process."""
    return load_pack_from(pack_dir(name))


@cache
def load_ehr_codes(name: str = DEFAULT_PACK) -> ehr_codes.EhrCodes:
    """The installed pack's EHR code table, checked with the pack by `load_pack`."""
    load_pack(name)
    return ehr_codes.EhrCodes.model_validate(read_yaml(pack_dir(name) / ehr_codes.FILE))
