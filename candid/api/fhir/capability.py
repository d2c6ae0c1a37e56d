"""The CapabilityStatement (`GET /fhir/metadata`): how a FHIR client learns what this server
does before it calls it (R4 RESTful API, "capabilities" interaction).

Candid is an instance of a decision-support service: it reads the Questionnaire and CodeSystem
generated from its pack, runs `$assess` on a QuestionnaireResponse and runs the interview for an
SDC adaptive form filler (`Questionnaire/$next-question`, declared with SDC's own
OperationDefinition so a client can recognise it); it stores nothing, so no create, update or
search interaction is declared.
"""

from __future__ import annotations

from typing import Any

from candid import __version__
from candid.api.fhir.adaptive import NEXT_QUESTION
from candid.api.fhir.terminology import BASE, questionnaire_url
from candid.knowledge.models import Pack

JSON = dict[str, Any]
RELEASED = "2026-12-04"
"""When this statement's shape last changed (R4 requires a date)."""


def capability_statement(packs: list[Pack]) -> JSON:
    """One statement for every served pathway: each publishes its Questionnaire and
    CodeSystem under its own id and runs `$assess` and `$next-question` on it."""
    forms = ", ".join(questionnaire_url(p) for p in packs)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": RELEASED,
        "publisher": "Candid",
        "kind": "instance",
        "software": {"name": "Candid", "version": __version__},
        "implementation": {
            "description": "Candid decision support, knowledge packs "
            + ", ".join(f"{p.meta.id} {p.meta.version}" for p in packs),
            "url": BASE,
        },
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Nothing sent to this server is stored. Errors are "
                "OperationOutcomes naming the linkId or path at fault.",
                "resource": [
                    {
                        "type": "Questionnaire",
                        "interaction": [{"code": "read"}],
                        "operation": [
                            {
                                "name": "assess",
                                "definition": f"{BASE}/OperationDefinition/Questionnaire-assess",
                                "documentation": f"On each of {forms}. "
                                "A QuestionnaireResponse (or a Bundle or "
                                "Parameters holding one and the clinician's Observations) in; "
                                "a Bundle with a RiskAssessment, ServiceRequests and a Flag "
                                "out.",
                            },
                            {
                                "name": "next-question",
                                "definition": NEXT_QUESTION,
                                "documentation": "SDC adaptive forms (type level, "
                                "POST Questionnaire/$next-question, the pathway being the form "
                                "the response derives from; or instance level on one of "
                                f"{forms}): an adaptive "
                                "QuestionnaireResponse in, the same response out with the "
                                "interview's next page added to its contained Questionnaire, "
                                "or completed; an emergency is a display item with what to do "
                                "now.",
                            },
                        ],
                    },
                    {"type": "CodeSystem", "interaction": [{"code": "read"}]},
                ],
            }
        ],
    }
