"""From an assessment to one CDS Hooks card for the clinician with the chart open.

One card, not one per cause: a probabilistic differential reads as a list, and several cards
from one service compete for the same attention. The summary says how soon and what to
consider; the detail gives the numbers and reasons; each evaluation not yet on the record is a
suggestion that creates a draft ServiceRequest the clinician can accept, alone or with others.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from uuid import uuid4

from candid.api.cds_hooks.schemas import Action, Card, Link, Source, Suggestion
from candid.api.fhir.service_request import service_request
from candid.engine import Assessment
from candid.engine.assessment import WorkupOut
from candid.engine.explain import answer_label
from candid.knowledge.ehr_codes import EhrCodes
from candid.knowledge.models import Pack, Scalar

SUMMARY_LIMIT = 139  # "<140-character summary" (CDS Hooks 2.0, Card attributes)
SUMMARY_CAUSES = 3
DETAIL_CAUSES = 5
REASONS_PER_CAUSE = 2


def summary(a: Assessment, codes: EhrCodes, names: list[str]) -> str:
    """'Bleeding after sex: see within 2 weeks. Consider: A, B, C', cut at a whole name."""
    head = f"Bleeding after sex: {codes.indicators[a.urgency.level].phrase.en}"
    text = head
    shown: list[str] = []
    for name in names[:SUMMARY_CAUSES]:
        candidate = f"{head}. Consider: {', '.join([*shown, name])}"
        if len(candidate) > SUMMARY_LIMIT:
            break
        shown.append(name)
        text = candidate
    return text


def short_name(pack: Pack, cause_id: str) -> str:
    """The clinical name without a closing parenthesis ("Pregnancy-related bleeding (threatened
    or early pregnancy loss, ...)" -> "Pregnancy-related bleeding"), so the summary fits."""
    return re.sub(r"\s*\([^()]*\)$", "", pack.causes[cause_id].clinical_name)


def _percent(p: float) -> str:
    return "<1%" if p < 0.01 else f"{round(p * 100)}%"


def detail(a: Assessment, pack: Pack, facts: Mapping[str, Scalar]) -> str:
    lines = [f"**{a.urgency.label}.**", ""]
    lines += [f"- {r}" for r in a.urgency.reasons]
    likely = [c for c in a.causes if c.likely][:DETAIL_CAUSES] or a.causes[:SUMMARY_CAUSES]
    lines += ["", "**Causes to consider** (chance each is present and contributing):", ""]
    for c in likely:
        line = f"- {pack.causes[c.id].clinical_name}: {_percent(c.probability)}"
        line += f" (prior {_percent(c.prior)}"
        found = [e.text for e in c.evidence if e.direction == "for"][:REASONS_PER_CAUSE]
        line += f"; for: {', '.join(found)})" if found else ")"
        lines.append(line)
    if facts:
        read = "; ".join(
            f"{k.replace('_', ' ')}: {answer_label(pack, pack.facts[k], v, 'en')}"
            for k, v in facts.items()
        )
        lines += ["", f"Read from the record: {read}."]
    lines += [
        "",
        f"Candid knowledge {a.knowledge_version}. Decision support to discuss with the patient, "
        "not a diagnosis.",
    ]
    return "\n".join(lines)


def missing_workup(a: Assessment, already_ordered: Collection[str] = ()) -> list[WorkupOut]:
    """Recommended evaluations that are neither on the record nor among the draft orders."""
    return [w for w in a.workup if w.status == "recommended" and w.id not in already_ordered]


def card(
    a: Assessment,
    pack: Pack,
    codes: EhrCodes,
    facts: Mapping[str, Scalar],
    patient_id: str,
    base: str,
    summary_url: str,
    already_ordered: Collection[str] = (),
) -> Card:
    """The card for both hooks; `already_ordered` (order-select's draft orders) is left out
    of the proposed orders."""
    named = [c for c in a.causes if not c.no_cause]  # "nothing found" is no cause to consider
    names = [short_name(pack, c.id) for c in [x for x in named if x.likely] or named]
    suggestions = [
        Suggestion(
            label=f"Order: {w.name}",
            uuid=str(uuid4()),
            actions=[
                Action(
                    type="create",
                    description=f"Draft order: {w.name}. {w.why}",
                    resource=service_request(pack, a, w, {"reference": f"Patient/{patient_id}"}),
                )
            ],
        )
        for w in missing_workup(a, already_ordered)
    ]
    return Card(
        uuid=str(uuid4()),
        summary=summary(a, codes, names),
        detail=detail(a, pack, facts),
        indicator=codes.indicators[a.urgency.level].indicator,
        source=Source(label=f"Candid {a.knowledge_version}", url=f"{base}/docs"),
        suggestions=suggestions or None,
        selectionBehavior="any" if suggestions else None,
        links=[Link(label="Candid: visit summary (printable)", url=summary_url, type="absolute")],
    )
