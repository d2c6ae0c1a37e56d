"""Deployment settings, read from the environment (CANDID_*), validated on start."""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    rate_limit: str = Field(
        default="600/minute",
        description="Requests per client, in the `limits` notation (e.g. '600/minute').",
    )
    max_body_bytes: int = Field(default=64_000, gt=0, description="Larger bodies get 413.")
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="Base URL used in links sent to EHRs."
    )

    @classmethod
    def from_env(cls) -> Settings:
        values = {
            name: os.environ[f"CANDID_{name.upper()}"]
            for name in cls.model_fields
            if f"CANDID_{name.upper()}" in os.environ
        }
        return cls.model_validate(values)


@cache
def settings() -> Settings:
    return Settings.from_env()
