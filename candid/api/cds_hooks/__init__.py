"""CDS Hooks 2.0: Candid as a decision-support service an EHR calls when a chart opens."""

from candid.api.cds_hooks.routes import router_for, service_id

__all__ = ["router_for", "service_id"]
