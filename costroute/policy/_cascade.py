"""The cascade intent a plan carries (``Plan.cascade``): try the cheap choice, check its
answer, escalate. See docs/policies.md for the executor's contract."""

from __future__ import annotations

from costroute.types import Cascade, Plan

__all__ = ["Cascade", "CascadePlan"]


CascadePlan = Plan
"""Kept for compatibility: every Plan now has ``cascade``."""
