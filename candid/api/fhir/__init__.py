"""FHIR R4 presenter: the pack as a Questionnaire and CodeSystem, and `$assess` from a
QuestionnaireResponse (plus clinicians' Observations) to a Bundle an EHR can file.

Like every presenter it computes no medicine: resources are built from the pack and from the
engine's Assessment, so the FHIR answers cannot drift from `POST /v1/assess`.
"""

from candid.api.fhir.router import router

__all__ = ["router"]
