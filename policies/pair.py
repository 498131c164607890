"""A RouteLLM-style pair: the strong deployment when a request scores at least the threshold.

As shipped it scores with the router's estimator (the default one) at a hand-set threshold.
Tune it to your own traffic, then point ``estimator`` at the weights file and drop
``threshold``: ``pair()`` reads the threshold calibrated into that file, and the router scores
requests with that file's estimator::

    costroute router train --data train.jsonl --strong gpt-5.4 --weak deepseek-v4-flash \\
        --out policies/pair.json
    costroute router eval --data train.jsonl --estimator policies/pair.json \\
        --strong gpt-5.4 --weak deepseek-v4-flash --target-cost-share 0.3

    policy = pair("gpt-5.4", "deepseek-v4-flash", estimator=Path(__file__).with_name("pair.json"))

Load with ``Router(policy="policies/pair.py")`` or ``costroute.policy.load_policy(path)``.
"""

from costroute.policy import pair

policy = pair("gpt-5.4", "deepseek-v4-flash", threshold=0.6)
