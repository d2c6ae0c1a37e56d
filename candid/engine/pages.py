"""Which questions a page of several shows (docs/interview.md, "Pages").

A tick group shows the questions of the group that apply to the person. A form also shows a
question whose `ask_when` reads an answer given above it on the same page: it stays hidden
until that answer makes it apply (the hysterectomy questions below "Have you had your womb
removed?"). Both the web page and the replay decide with `applying`, in page order, so a
page without scripts and a page with them accept the same answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from candid.engine.compiled import CompiledPack
from candid.engine.conditions import Facts, FactValue


def members(
    cp: CompiledPack,
    group_id: str,
    applies_now: Callable[[str], bool],
    open_: Callable[[str], bool],
) -> tuple[str, ...]:
    """The page's questions, in order: those `applies_now` accepts and, on a form, those
    still `open_` (not answered elsewhere) whose `ask_when` reads a question shown above."""
    group = cp.pack.interview.groups[group_id]
    out: list[str] = []
    for fid in group.facts:
        shown_above = cp.ask_when_refs.get(fid, frozenset()) & set(out)
        if applies_now(fid) or (group.kind == "form" and open_(fid) and shown_above):
            out.append(fid)
    return tuple(out)


def depends_on_page(cp: CompiledPack, page: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """Fact -> the questions above it on the page that decide whether it is shown."""
    out: dict[str, frozenset[str]] = {}
    for i, fid in enumerate(page):
        above = cp.ask_when_refs.get(fid, frozenset()) & frozenset(page[:i])
        if above:
            out[fid] = above
    return out


def applying(
    cp: CompiledPack, page: tuple[str, ...], facts: Facts, given: Mapping[str, FactValue | None]
) -> list[str]:
    """The page's questions that apply once the answers `given` on it are counted, taken in
    page order (a hidden question's answer never decides another's). `given` maps a fact to
    its answer, or None for "not sure"."""
    seen: dict[str, FactValue] = dict(facts)
    for fid in page:
        seen.pop(fid, None)  # answers from an earlier visit to this page do not count
    out: list[str] = []
    for fid in page:
        gate = cp.ask_when.get(fid)
        if gate is not None and not gate(seen):
            continue
        out.append(fid)
        value = given.get(fid)
        if value is not None:
            seen[fid] = value
    return out
