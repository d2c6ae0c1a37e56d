"""The layers of docs/architecture.md, checked on the source: each package imports only the
packages below it, so the engine stays pure and a pathway's medicine stays in its pack."""

from __future__ import annotations

import ast
from pathlib import Path

import candid

ROOT = Path(candid.__file__).parent
MAY_IMPORT: dict[str, set[str]] = {
    "knowledge": set(),
    "engine": {"knowledge"},
    "evaluation": {"engine", "knowledge"},
    "terminal": {"engine", "knowledge", "i18n"},
    "diary": {"settings"},
    "store": {"diary", "settings"},
    "web": {"engine", "knowledge", "evaluation", "store", "diary", "settings", "i18n"},
    "api": {"web", "engine", "knowledge", "evaluation", "store", "diary", "settings", "i18n"},
}
MODULES = {p.stem for p in ROOT.glob("*.py")} | {
    p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()
}
"""What `candid.X` can name: the packages and the modules beside them (settings, i18n)."""


def imported_packages(package: str) -> dict[str, set[str]]:
    """candid packages each module of `package` imports (top level or inside functions)."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "candid":
                names.update(
                    f"candid.{alias.name}" for alias in node.names
                )  # from candid import i18n
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[str(path.relative_to(ROOT))] = {
            n.split(".")[1] for n in names if n.startswith("candid.") and n.split(".")[1] in MODULES
        }
    return found


def test_each_package_imports_only_the_layers_below_it() -> None:
    wrong = {
        module: sorted(used - MAY_IMPORT[package] - {package})
        for package in MAY_IMPORT
        for module, used in imported_packages(package).items()
        if used - MAY_IMPORT[package] - {package}
    }
    assert not wrong, wrong


def test_every_package_has_its_place_in_the_layers() -> None:
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} - {"packs"}
    assert packages == set(MAY_IMPORT)


def test_no_pathway_vocabulary_in_the_engine() -> None:
    """Sites, stages and the leak are declared by each pack (pack.yaml, stages.yaml)."""
    words = ("no_cause_found", "lower_tract", '"cervix"', '"uterus"', "postcoital")
    found = [
        (str(path.relative_to(ROOT)), word)
        for path in (ROOT / "engine").rglob("*.py")
        for word in words
        if word in path.read_text(encoding="utf-8")
    ]
    assert not found, found


def test_one_list_of_languages() -> None:
    """The packs' text languages (knowledge.models) are the pages' catalog languages and
    every installed pack's; the API and FHIR take them from the same list."""
    from candid import i18n
    from candid.knowledge.loader import installed_pack, installed_packs
    from candid.knowledge.models import LANGUAGES

    assert i18n.LANGUAGES == LANGUAGES
    for name in installed_packs():
        assert tuple(installed_pack(name).meta.languages) == LANGUAGES
