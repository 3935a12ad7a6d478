"""Analytic costs vs building the PyTorch model, on the ZenNet zoo networks (one run, ratios).

For each network: time to parse + compute params/FLOPs/layers/MAC from the structure string with
the cost caches cleared ("cold", what a new candidate costs) and warm (repeated tokens, what the
search mostly sees), vs time to build the MasterNet module (what ZEN did for every budget check
that needed a real model, and what counting ``sum(numel)`` requires).  Goal: analytic >= 100x faster.
Each figure is the minimum over ``--repeat`` runs (shared, noisy machines: the minimum of a
deterministic computation is the least biased by other load).

    python benchmarks/costs.py [--out results/costs.json] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from zennas.block import _cached_cost, _cached_expansion, _cached_res  # noqa: E402
from zennas.costs import compute_costs  # noqa: E402
from zennas.masternet import build_model  # noqa: E402
from zennas.zoo import list_zoo  # noqa: E402


def _time(fn, repeat: int) -> float:
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return min(ts)  # deterministic work: the minimum is the least contention-biased estimate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=None)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    for e in [z for z in list_zoo() if z.family == "ZenNet"]:
        def cold(e=e):
            _cached_cost.cache_clear()
            _cached_expansion.cache_clear()
            _cached_res.cache_clear()
            compute_costs(e.structure, e.resolution, e.num_classes, use_se=e.use_se)

        def warm(e=e):
            compute_costs(e.structure, e.resolution, e.num_classes, use_se=e.use_se)

        def build(e=e):
            build_model(e.structure, e.num_classes, use_se=e.use_se)

        t_cold, t_warm, t_build = _time(cold, args.repeat), _time(warm, args.repeat), _time(build, args.repeat)
        rows.append({"name": e.name, "analytic_cold_ms": t_cold * 1e3, "analytic_warm_ms": t_warm * 1e3,
                     "build_ms": t_build * 1e3, "ratio_cold": t_build / t_cold, "ratio_warm": t_build / t_warm})
    w = max(len(r["name"]) for r in rows)
    print(f"{'network':<{w}}  {'cold ms':>8}  {'warm ms':>8}  {'build ms':>9}  {'build/cold':>10}  {'build/warm':>10}")
    for r in rows:
        print(f"{r['name']:<{w}}  {r['analytic_cold_ms']:8.2f}  {r['analytic_warm_ms']:8.3f}  {r['build_ms']:9.1f}  "
              f"{r['ratio_cold']:10.0f}  {r['ratio_warm']:10.0f}")
    gm = statistics.geometric_mean
    summary = {"geomean_ratio_cold": gm([r["ratio_cold"] for r in rows]),
               "geomean_ratio_warm": gm([r["ratio_warm"] for r in rows]),
               "min_ratio_cold": min(r["ratio_cold"] for r in rows),
               "max_analytic_cold_ms": max(r["analytic_cold_ms"] for r in rows)}
    print(f"geometric-mean speed-up: cold {summary['geomean_ratio_cold']:.0f}x, warm {summary['geomean_ratio_warm']:.0f}x;"
          f" worst cold {summary['min_ratio_cold']:.0f}x; slowest analytic (cold) {summary['max_analytic_cold_ms']:.2f} ms")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({"rows": rows, "summary": summary}, indent=1))


if __name__ == "__main__":
    main()
