"""The subcommands. Each is a small function over the public API."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

__all__ = ["add_commands"]


@contextmanager
def quiet_litellm() -> Iterator[None]:
    """litellm prints a help banner on stdout for every provider error unless
    ``litellm.suppress_debug_info`` is set. The library never sets it (the host application
    owns litellm's settings); the ``costroute`` executable's demos, in a process of their own
    (``args.own_process``), set it while they run and put it back."""
    from costroute.providers import litellm

    module: Any = litellm()
    before = getattr(module, "suppress_debug_info", False)
    module.suppress_debug_info = True
    try:
        yield
    finally:
        module.suppress_debug_info = before


def _demo(args: argparse.Namespace) -> int:
    from costroute.errors import ConfigError

    scale = args.latency_scale
    if scale is not None and not scale >= 0:  # also refuses NaN
        raise ConfigError(
            f"--latency-scale {scale} is not a number >= 0.",
            field="--latency-scale",
            fix="give 0 (no simulated latency), 1 (realistic) or any value in between or above",
        )
    if args.learn:
        from costroute.cli._learn import run_learn

        if args.temperature is not None:
            raise ConfigError(
                "--temperature belongs to the routing demo, not to --learn.",
                field="--temperature",
                fix="run `costroute demo --temperature T`, or `costroute demo --learn` without it",
            )
        with quiet_litellm() if args.own_process else nullcontext():
            run_learn(seed=args.seed, latency_scale=0.0 if scale is None else scale)
        return 0
    if args.seed is not None:
        raise ConfigError(
            "--seed belongs to --learn (the routing demo's workload is fixed).",
            field="--seed",
            fix="run `costroute demo --learn --seed N`, or `costroute demo` without --seed",
        )
    from costroute.cli._demo import run_demo

    params = {} if args.temperature is None else {"temperature": args.temperature}
    with quiet_litellm() if args.own_process else nullcontext():
        run_demo(latency_scale=0.2 if scale is None else scale, params=params)
    return 0


def _models(args: argparse.Namespace) -> int:
    from costroute.catalog import default_deployments, known, known_names

    deps = [known(n) for n in known_names()] if args.all else default_deployments()
    rows = []
    for d in deps:
        c, p = d.capabilities, d.prices
        caps = ",".join(
            k
            for k, v in (
                ("tools", c.tools),
                ("vision", c.vision),
                ("json", c.json_schema),
                ("reasoning", c.reasoning),
            )
            if v
        )
        rows.append(
            {
                "name": d.name,
                "model": d.model,
                "tier": d.tier,
                "input": str(p.input),
                "output": str(p.output),
                "cache_read": str(p.cache_read),
                "context": c.context_window,
                "max_output": c.max_output,
                "capabilities": caps,
                "off_peak": bool(p.off_peak),
                "deprecated": str(d.deprecation_date or ""),
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(
        f"{'name':<20} {'tier':>4} {'in $/M':>7} {'out $/M':>8} {'cache $/M':>9} {'context':>9}  capabilities"
    )
    for r in rows:
        note = " (off-peak discounts)" if r["off_peak"] else ""
        note += f" (deprecated {r['deprecated']})" if r["deprecated"] else ""
        print(
            f"{r['name']:<20} {r['tier']:>4} {r['input']:>7} {r['output']:>8} {r['cache_read']:>9}"
            f" {r['context']:>9,}  {r['capabilities']}{note}"
        )
    return 0


def _explain(args: argparse.Namespace) -> int:
    from costroute.router import Router

    # The router `costroute chat` builds, with the same keys, so the plan is the one chat would
    # follow (without any key, explain plans over every deployment and says so); no ledger:
    # explain records nothing and creates no file.
    plan = Router(ledger=False).explain(
        [{"role": "user", "content": args.prompt}], model=args.model
    )
    if args.json:
        print(
            json.dumps(
                {
                    "policy": plan.policy,
                    "difficulty": plan.difficulty,
                    "category": plan.category,
                    "choices": [c.deployment for c in plan.choices],
                    "reasons": list(plan.reasons),
                },
                indent=2,
            )
        )
        return 0
    print(f"difficulty {plan.difficulty:.2f} ({plan.category}), policy {plan.policy}")
    print("plan: " + " > ".join(c.deployment for c in plan.choices))
    for reason in plan.reasons:
        print(f"  - {reason}")
    return 0


def _chat(args: argparse.Namespace) -> int:
    from costroute.router import Router

    router = Router()
    kwargs: dict[str, Any] = {"model": args.model}
    if args.max_tokens:
        kwargs["max_tokens"] = args.max_tokens
    resp = router.chat(messages=[{"role": "user", "content": args.prompt}], **kwargs)
    print(resp.choices[0].message.content)
    info = resp.costroute
    print(
        f"\n[{info.deployment}] cost ${info.cost_usd:.6f}, saved ${info.saved_usd:.6f}"
        f" against {info.baseline_model}, {info.latency_ms:.0f} ms"
    )
    return 0


def add_commands(sub: Any) -> None:
    from costroute.cli._report import add_report_command
    from costroute.cli._router_cmd import add_router_command

    p = sub.add_parser("demo", help="route a workload through a local simulator (offline)")
    p.add_argument(
        "--latency-scale",
        type=float,
        default=None,
        help="scale of the simulated latencies (1 = realistic, 0 = none; default 0.2, and 0"
        " with --learn)",
    )
    p.add_argument(
        "--learn",
        action="store_true",
        help="the learning loop instead: sampled labelling, retraining from the ledger,"
        " calibration and safe rollout on the simulator (about 30 s; docs/learning-guide.md)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        help="with --learn: the seed of the requests and of the simulator (default 0)",
    )
    p.add_argument(
        "--temperature",
        type=float,
        default=None,
        help="send this temperature with every request (a deployment that cannot take it"
        " answers without it)",
    )
    p.set_defaults(func=_demo)

    p = sub.add_parser("models", help="the catalog with prices and capabilities")
    p.add_argument("--all", action="store_true", help="every pinned model, not only the defaults")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_models)

    p = sub.add_parser(
        "explain", help="the routing plan chat would follow for a prompt (no network, no key)"
    )
    p.add_argument("prompt")
    p.add_argument(
        "--model", default="auto", help="a deployment, model id or catalog model (as chat)"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_explain)

    p = sub.add_parser(
        "chat", help="send a prompt through the router (real keys from the environment)"
    )
    p.add_argument("prompt")
    p.add_argument(
        "--model", default="auto", help="a deployment, model id or catalog model (docs/api.md)"
    )
    p.add_argument("--max-tokens", type=int, default=None)
    p.set_defaults(func=_chat)

    add_router_command(sub)
    add_report_command(sub)
