"""One evaluation to offer, as the draft R4 ServiceRequest both `$assess` and the CDS Hooks
card propose: the same codes, the same priority, the same reason, so an EHR that receives
both sees one order.

A proposal (`status: draft`, `intent: proposal`): the clinician's EHR, not Candid, places
orders. Its priority is the urgency level's, from the pack's EHR table (`indicators` in
ehr_codes.yaml), not decided here.
"""

from __future__ import annotations

from candid.api.fhir.terminology import JSON, ehr_codes, own, symptom_codings, workup_codings
from candid.engine.assessment import Assessment, WorkupOut
from candid.i18n import tr
from candid.knowledge.models import Pack


def service_request(
    pack: Pack,
    result: Assessment,
    item: WorkupOut,
    subject: JSON,
    authored_on: str | None = None,
    supporting: str | None = None,
) -> JSON:
    """`item` is one of `result`'s evaluations; `supporting` the RiskAssessment the order
    rests on, when it is sent with one."""
    lang = result.language
    names = {c.id: c.name for c in result.causes}
    looks_for = ", ".join(names.get(c, pack.causes[c].name.get(lang)) for c in item.tests_for)
    note = tr(lang, "Looks for") + f": {looks_for}."
    out: JSON = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "proposal",
        "priority": ehr_codes(pack).indicators[result.urgency.level].request_priority,
        "code": {
            # Candid's own `workup.<id>` first: the id an order-select hook reads back.
            "coding": [
                own(pack, f"workup.{item.id}", pack.workup[item.id].name.en),
                *workup_codings(pack, item.id),
            ],
            "text": item.name,
        },
        "subject": subject,
        "reasonCode": [{"coding": symptom_codings(pack), "text": item.why}],
        "note": [{"text": note}],
    }
    if authored_on is not None:
        out["authoredOn"] = authored_on
    if supporting is not None:
        out["supportingInfo"] = [{"reference": supporting}]
    return out
