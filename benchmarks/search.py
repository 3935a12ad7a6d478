#!/usr/bin/env python
"""Search throughput with Zen: this engine with 1 and N workers vs ZEN's original loop, in one run.

Preset Zen_NAS_cifar_params1M (XXBL, params <= 1M, layers <= 18, res 32, 100 classes, batch 64,
population 512), seed 0, CPU.  Two regimes, as in issue 13:

* ``initial``: the first 600 iterations from the preset's initial structure (small networks);
* ``steady``: 300 iterations started from ZenNet CIFAR-1M with a 1.2M params budget (the networks a
  480,000-iteration search spends nearly all of its time on).

Each regime runs the original loop (``benchmarks/_original_search.py``: fp32, contiguous, every CPU
as intra-op threads, no cache) and this engine with ``--workers 1`` and ``--workers N`` (default: what
the engine picks, one single-threaded worker per usable CPU), all in this process, one after the
other.  Rates are iterations / wall time of the loop; worker start-up is measured and printed apart
(and included in ``iterations_per_s_with_startup``).  Goals (2 cores): steady >= 3x and initial >= 2.5x
the original without native bf16, more with it; N = 2 workers >= 1.6x one worker on the small networks.

    python benchmarks/search.py [--quick] [--workers N] [--out bench.json] [--no-native-bf16 | --emulate-avx2]
                                [--regimes initial steady] [--free-iterations 5000]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CIFAR_1M, PRESET, add_cpu_flags, apply_cpu_flags, cpu_line, load, machine  # noqa: E402

REGIMES = {"initial": {"iterations": 600, "quick": 150, "over": {}},
           "steady": {"iterations": 300, "quick": 60, "over": {"plainnet_struct": CIFAR_1M, "budget_model_size": 1.2e6}}}
GOALS = {"steady_vs_original": 3.0, "initial_vs_original": 2.5, "two_workers_vs_one_small_nets": 1.6}


def config(regime: str, iterations: int, seed: int, save_dir: str, **extra):
    from zennas.search import build_config, load_yaml

    over = dict(evolution_max_iter=iterations, seed=seed, save_dir=save_dir, tensorboard=False, plots=False,
                progress=False, checkpoint_every=10**6, log_every=10**6, **REGIMES[regime]["over"], **extra)
    return build_config(("preset", load_yaml(PRESET)), ("benchmark", over))


def run_ours(regime: str, iterations: int, workers: int, seed: int, **extra) -> dict:
    from zennas.search import EvolutionSearch

    with tempfile.TemporaryDirectory() as tmp:
        eng = EvolutionSearch(config(regime, iterations, seed, tmp, workers=workers, **extra))
        load0 = load()
        t = time.perf_counter()
        ex = eng.start_executor()
        if hasattr(ex, "wait_ready"):
            ex.wait_ready()
        startup = time.perf_counter() - t
        t0 = time.perf_counter()
        res = eng.run()
        wall = time.perf_counter() - t0
    c = res.counters
    return {"workers": workers, "iterations": res.iterations, "wall_s": wall, "startup_s": startup,
            "iterations_per_s": res.iterations / wall, "iterations_per_s_with_startup": res.iterations / (wall + startup),
            "scored": c["n_scored"], "rejected": c["n_rejected"], "duplicates": c["n_duplicate"], "failed": c["n_failed"],
            "proxy_seconds": c["proxy_seconds"], "best_score": res.best_score, "load_before": load0, "load_after": load()}


def run_original(regime: str, iterations: int, seed: int, threads: int) -> dict:
    import torch
    from _original_search import original_search

    from zennas.search import load_yaml

    torch.set_num_threads(threads)
    pre = {**load_yaml(PRESET), **REGIMES[regime]["over"]}
    load0 = load()
    r = original_search(pre["plainnet_struct"], iterations=iterations, budget_params=float(pre["budget_model_size"]),
                        max_layers=int(pre["max_layers"]), resolution=32, num_classes=100, batch_size=64,
                        population_size=512, seed=seed)
    return {**r, "load_before": load0, "load_after": load()}


def run_free(iterations: int, seed: int) -> dict:
    """Candidates/s of the loop itself with the forward-free Params proxy (search process only)."""
    from zennas.search import EvolutionSearch

    with tempfile.TemporaryDirectory() as tmp:
        eng = EvolutionSearch(config("initial", iterations, seed, tmp, zero_shot_score="Params"))
        t0 = time.perf_counter()
        res = eng.run()
        wall = time.perf_counter() - t0
    return {"iterations": res.iterations, "wall_s": wall, "candidates_per_s": res.iterations / wall}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="150 initial / 60 steady iterations, 1000 forward-free")
    p.add_argument("--workers", type=int, default=None, help="N (default: the engine's automatic choice)")
    p.add_argument("--regimes", nargs="+", choices=sorted(REGIMES), default=["initial", "steady"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--skip-original", action="store_true")
    p.add_argument("--free-iterations", type=int, default=5000, help="forward-free (Params) iterations; 0: skip")
    p.add_argument("--out", help="write the results as JSON")
    add_cpu_flags(p)
    a = p.parse_args(argv)
    apply_cpu_flags(a)
    logging.basicConfig(level=logging.WARNING)
    from zennas.search.executor import choose_workers, usable_cpus

    cpus = usable_cpus()
    n = a.workers
    if n is None:
        cfg = config("initial", 1, a.seed, "unused")
        n = max(1, choose_workers(cfg, object(), True, "cpu")[0])
    m = machine()
    print(cpu_line(m), flush=True)
    report: dict = {"machine": m, "goals": GOALS, "workers_n": n, "regimes": {}}
    for regime in a.regimes:
        its = REGIMES[regime]["quick" if a.quick else "iterations"]
        row: dict = {"iterations": its}
        if not a.skip_original:
            row["original"] = r = run_original(regime, its, a.seed, cpus)
            print(f"[{regime}] original loop ({r['threads']} threads): {r['iterations_per_s']:.2f} it/s "
                  f"({r['wall_s']:.1f} s, scored {r['scored']}, load {r['load_after']})", flush=True)
        for w in sorted({1, n}):
            row[f"ours_{w}"] = r = run_ours(regime, its, w, a.seed)
            print(f"[{regime}] ours, {w} worker(s): {r['iterations_per_s']:.2f} it/s ({r['wall_s']:.1f} s + start-up "
                  f"{r['startup_s']:.1f} s; scored {r['scored']}, rejected {r['rejected']}, duplicates "
                  f"{r['duplicates']}, failed {r['failed']}; load {r['load_after']})", flush=True)
        if "original" in row:
            for w in sorted({1, n}):
                row[f"ours_{w}_vs_original"] = row[f"ours_{w}"]["iterations_per_s"] / row["original"]["iterations_per_s"]
                row[f"ours_{w}_vs_original_with_startup"] = (row[f"ours_{w}"]["iterations_per_s_with_startup"]
                                                            / row["original"]["iterations_per_s"])
        if n != 1:
            row[f"ours_{n}_vs_ours_1"] = row[f"ours_{n}"]["iterations_per_s"] / row["ours_1"]["iterations_per_s"]
        report["regimes"][regime] = row
        ratios = {k: round(v, 2) for k, v in row.items() if k.endswith(("vs_original", "vs_ours_1"))}
        print(f"[{regime}] ratios: {ratios}", flush=True)
    if a.free_iterations:
        its = 1000 if a.quick else a.free_iterations
        report["forward_free"] = r = run_free(its, a.seed)
        print(f"[Params] loop alone: {r['candidates_per_s']:.0f} candidates/s ({its} iterations)", flush=True)
    report["load_average_end"] = load()
    print(f"load average at the end: {report['load_average_end']}")
    if a.out:
        Path(a.out).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
