"""Candid: a private, evidence-based guide for bleeding after sex."""

__version__ = "0.1.0"
