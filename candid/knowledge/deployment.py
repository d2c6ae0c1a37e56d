"""Facts a deployment sets, not a person: the choices a pack leaves to the service that runs it.

A pack declares such a fact with `asked_by: deployment`, its choices and a `default` (for
bleeding after sex, `screening_programme`: which national cervical screening guidelines the
service follows). The pack's rules read it like any fact; nobody is ever asked it. The deployer
picks a value in the settings (`CANDID_PACK_SETTINGS`, read by `candid.settings`), the app or
the CLI hands it here once at start (`configure`), and the engine fills it in before every
assessment (`chosen`). A value a caller sends with the facts still wins for that request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from candid.knowledge.models import Fact, Pack

_chosen: dict[str, str] = {}
_PACKS_KEPT = 16
_declared: dict[int, tuple[Pack, dict[str, Fact]]] = {}
"""Each pack's deployment facts, found once: `chosen` runs on every assessment, and a pack
has a hundred facts and one or two of these. The pack is kept with them, so its id is not
reused while the entry stands."""


def deployment_facts(pack: Pack) -> dict[str, Fact]:
    """The facts of `pack` that the deployment sets."""
    found = _declared.get(id(pack))
    if found is None or found[0] is not pack:
        found = (pack, {fid: f for fid, f in pack.facts.items() if f.asked_by == "deployment"})
        if len(_declared) >= _PACKS_KEPT:
            _declared.clear()  # a process serves a few packs; the tests make many
        _declared[id(pack)] = found
    return dict(found[1])


def problems(
    values: Mapping[str, str], packs: Iterable[Pack], *, every_name: bool = True
) -> list[str]:
    """What is wrong with a deployer's values for these packs: a name no pack declares as a
    deployment fact (unless `every_name` is false: the packs are some of those installed), or
    a value that is not one of its choices. Empty when all is well."""
    declared: dict[str, list[Fact]] = {}
    for pack in packs:
        for fid, fact in deployment_facts(pack).items():
            declared.setdefault(fid, []).append(fact)
    out = []
    for name, value in values.items():
        facts = declared.get(name)
        if not facts and not every_name:
            continue
        if not facts:
            known = ", ".join(sorted(declared)) or "none"
            out.append(f"{name!r} is not a setting of the installed pathways (known: {known})")
            continue
        for fact in facts:
            if value not in (fact.choices or {}):
                allowed = ", ".join(fact.choices or {})
                out.append(f"{name}={value!r} is not one of its choices ({allowed})")
                break
    return out


def configure(values: Mapping[str, str]) -> None:
    """The deployer's values, for every pack in this process (called once at start)."""
    _chosen.clear()
    _chosen.update(values)


def chosen(pack: Pack) -> dict[str, str]:
    """Each deployment fact of `pack` with the deployer's value, or the pack's default."""
    out: dict[str, str] = {}
    for fid, fact in deployment_facts(pack).items():
        value = _chosen.get(fid)
        ok = value is not None and value in (fact.choices or {})
        out[fid] = value if ok and value is not None else str(fact.default)
    return out
