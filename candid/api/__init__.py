"""HTTP surfaces over the engine: JSON API v1, FHIR R4 and CDS Hooks (clinicians and EHRs)."""
