"""Candid's CodeSystem for a pack, so every code in the Questionnaire and the Bundle resolves.

Built from the pack like the Questionnaire: facts, their answers, causes, workup items and
urgency levels (prefixes as in `terminology`). Displays are the English clinical wording.
"""

from __future__ import annotations

from candid.api.fhir.terminology import JSON, answer_code, code_system_url, slug
from candid.engine.explain import answer_label
from candid.knowledge.models import Pack


def code_system(pack: Pack) -> JSON:
    concepts: list[JSON] = [
        {"code": "assessment", "display": "Candid assessment (method of a RiskAssessment)"}
    ]
    for fact in pack.facts.values():
        concept: JSON = {"code": fact.id, "display": fact.question.en}
        if fact.choices:
            concept["concept"] = [
                {"code": answer_code(fact.id, v), "display": answer_label(pack, fact, v, "en")}
                for v in fact.choices
            ]
        concepts.append(concept)
    concepts += [
        {"code": f"cause.{c.id}", "display": c.clinical_name} for c in pack.causes.values()
    ]
    concepts += [{"code": f"workup.{w.id}", "display": w.name.en} for w in pack.workup.values()]
    concepts += [
        {"code": f"urgency.{k}", "display": v.label.en} for k, v in pack.urgency.levels.items()
    ]
    return {
        "resourceType": "CodeSystem",
        "id": slug(pack),
        "url": code_system_url(pack),
        "version": pack.meta.version,
        "name": "".join(part.title() for part in pack.meta.id.split("_")) + "Codes",
        "title": f"Candid codes: {pack.meta.title.en}",
        "status": "active",
        "publisher": "Candid",
        "description": (
            "Questions (fact ids), their answers (<fact>.<value>), causes (cause.<id>), "
            "evaluations (workup.<id>) and urgency levels (urgency.<level>) of the pack."
        ),
        "caseSensitive": True,
        "hierarchyMeaning": "grouped-by",
        "content": "complete",
        "concept": concepts,
    }
