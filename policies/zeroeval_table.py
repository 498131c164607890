"""A learned per-model quality table (category x difficulty bucket), for the ZeroEval pool.

The table (``zeroeval_table.json``) was fitted on the ZeroEval TRAIN split by
``benchmarks/policy_quality.py --write-table``; ``cost_weight`` was chosen on TRAIN as the most
accurate value costing <= 20% of gpt-4o's. Deployments must be named like the table's models.
The table was fitted with the learned estimator, so the policy carries it (``estimator=``): a
router, and ``costroute router eval --policy``, score requests with it unless told otherwise.
Tune it on your own data: ``costroute router eval --data train.jsonl --policy THIS_FILE
--target-cost-share 0.2`` stores the chosen value in ``zeroeval_table.params.json`` beside this
file; the policy loader reads it over PARAMS below (delete it to go back to them).
"""

from pathlib import Path

from costroute.policy import QualityTable, quality_table

PARAMS = {"cost_weight": 0.825}
# Dense between 0.75 and 0.9, where the cost on TRAIN crosses 20% of gpt-4o's.
FINE = [round(0.75 + 0.025 * k, 3) for k in range(7)]
SWEEP = {"cost_weight": [0.0, 0.1, 0.2, 0.3, 0.5, 0.6, 0.7, *FINE, 1.0, 1.2, 1.5, 2.0, 5.0]}
TABLE = Path(__file__).with_name("zeroeval_table.json")


def make_policy(cost_weight: float = 0.825) -> object:
    """The policy at this cost weight (0 = best predicted quality regardless of cost)."""
    return quality_table(
        QualityTable.load(TABLE), cost_weight, name="zeroeval-table", estimator="learned"
    )
