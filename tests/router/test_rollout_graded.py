"""router.rollout.evaluate() with a Checker's grades: the grade of another deployment's answer
(``check@deployment``, stored on the same call) is not the call's own score."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from costroute.difficulty import CallableEstimator
from costroute.ledger import CallRecord

FLASH, HAIKU = "deepseek-v4-flash", "claude-haiku-4-5"


def test_grades_of_the_other_deployment_do_not_score_the_call(
    router_factory: Any, tmp_path: Path
) -> None:
    router = router_factory(ledger=f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    candidate = router.rollout.propose(CallableEstimator(lambda m: 0.95), name="cand")
    for i in range(4):  # flash answered rightly; haiku's answer to the same request was wrong
        rid = f"call-{i}"
        router.usage.append(
            CallRecord(
                request_id=rid,
                at=router.now(),
                deployment=FLASH,
                model=FLASH,
                provider="deepseek",
                policy="balanced",
                difficulty=0.1,
                cost_usd=Decimal("0.001"),
                router_version=str(router.rollout.current),
                shadow_version=str(candidate),
                shadow_deployment=FLASH,
            )
        )
        router.feedback(rid, 1.0, source="check")
        router.feedback(rid, 0.0, source="check", deployment=HAIKU)
    report = router.rollout.evaluate(min_labels=4)
    assert (report.labels, report.agreed) == (4, 4)
    assert report.current_quality == pytest.approx(1.0)  # not 0.5: haiku's grade is haiku's
    assert report.candidate_quality == pytest.approx(1.0)
