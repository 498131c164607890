"""Helpers of the compatibility suite (imported by its conftest and cases)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import costroute
from costroute.sim import Simulator

__all__ = ["DIRECT_MODEL", "Calls"]

DIRECT_MODEL = "gpt-4o"
"""The model the direct client asks the simulator for."""


@dataclass
class Calls:
    """What reached the simulator and the ledger during one case."""

    kind: str
    sim: Simulator
    router: costroute.Router

    def check(self, at_least: int = 1, *, stream: bool | None = None) -> list[Any]:
        """Assert ``at_least`` calls were served; on costroute, that each was routed to one
        of its deployments, priced and recorded in the ledger.

        Returns the ledger records (costroute) or the recorded requests (direct).
        """
        served = [r for r in self.sim.requests if r.model]
        assert len(served) >= at_least, f"the simulator saw {len(served)} calls"
        if self.kind == "openai-direct":
            assert {r.model for r in served} == {DIRECT_MODEL}
            return served
        records = self.router.usage.records()
        assert len(records) >= at_least, f"the ledger holds {len(records)} records"
        assert len(records) == len(served), "every call the simulator served is in the ledger"
        for record in records:
            assert record.deployment in self.router.deployments, record.deployment
            assert record.status == "ok", record
            assert record.cost_usd > Decimal(0), record
            if stream is not None:
                assert record.stream is stream, record
        return records

    def check_failed(self) -> None:
        """After a call that failed on every try: costroute recorded the failure."""
        if self.kind == "openai-direct":
            assert self.sim.requests, "the simulator saw the call"
            return
        records = self.router.usage.records()
        assert records and all(r.status != "ok" for r in records), records
