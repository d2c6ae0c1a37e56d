"""CDS Hooks 2.0: Candid as a decision-support service an EHR calls when a chart opens."""

from candid.api.cds_hooks.routes import SERVICE_ID, router

__all__ = ["SERVICE_ID", "router"]
