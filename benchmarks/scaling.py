#!/usr/bin/env python
"""Scoring throughput vs the number of workers, Ray's overhead, and start-up costs, in one run.

The candidates are the first networks this engine's search visits on the Zen_NAS_cifar_params1M preset
(seed 0): ``small`` from the preset's initial structure, ``steady`` from ZenNet CIFAR-1M with a 1.2M
params budget (Zen, batch 64 at 32x32, 100 classes).  Each set is scored

* by the original Zen algorithm in this process with every CPU as intra-op threads (the baseline);
* by this engine's local pool with 1, 2, ... N single-threaded workers (forkserver);
* on a local Ray with N actors (skipped without Ray or with ``--skip-ray``): Ray's overhead is the
  local pool's rate over Ray's at the same N.

Printed and in the JSON: candidates/s, speed-up over one worker (goal: 2 workers >= 1.6x on the small
networks), the rate vs the original, and the start-up of a pool (cold forkserver: torch imported once;
warm; spawn: every worker imports torch) and of Ray (init + actors).

    python benchmarks/scaling.py [--quick] [--max-workers N] [--skip-ray] [--out scaling.json]
                                 [--no-native-bf16 | --emulate-avx2]
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


def visited(initial: str | None, budget: float | None, n: int) -> list[str]:
    """The first ``n`` structures the search scores (the visit order does not depend on the scores before
    the population is full, so a Params-proxy run visits the same ones)."""
    from zennas.search import EvolutionSearch, build_config, load_yaml
    from zennas.search.outputs import read_candidates

    over = {"plainnet_struct": initial, "budget_model_size": budget} if initial else {}
    with tempfile.TemporaryDirectory() as tmp:
        cfg = build_config(("preset", load_yaml(PRESET)), ("b", dict(
            zero_shot_score="Params", evolution_max_iter=4 * n, seed=0, save_dir=tmp, tensorboard=False,
            plots=False, progress=False, **over)))
        EvolutionSearch(cfg).run()
        out = [r["structure"] for r in read_candidates(Path(tmp) / "candidates.jsonl") if r["status"] == "accepted"]
    return out[:n]


def jobs(structures: list[str]):
    from zennas.search.candidate import Candidate
    from zennas.search.evaluator import Job, derive_seed
    from zennas.structure import parse

    return [Job(Candidate(parse(s), s, 32, 100), derive_seed(0, s)) for s in structures]


def time_executor(ex, structures: list[str]) -> dict:
    """Candidates/s of an executor on ``structures`` (after an untimed warm-up on the first 8: each
    process's first convolutions of a shape include oneDNN's set-up)."""
    for i in [ex.submit(j) for j in jobs(structures[:8])]:
        ex.result(i)
    js = jobs(structures)
    t = time.perf_counter()
    ids = [ex.submit(j) for j in js]
    res = [ex.result(i) for i in ids]
    wall = time.perf_counter() - t
    assert all(r.ok for r in res), [r.error for r in res if not r.ok][:3]
    return {"candidates": len(js), "wall_s": wall, "candidates_per_s": len(js) / wall, "load_after": load(),
            "scores": [r.score for r in res]}


def time_original(structures: list[str], threads: int) -> dict:
    import torch
    from _original_proxies import zen

    from zennas.masternet import build_model

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    for s in structures[:8]:  # warm-up, as for the executors
        zen(build_model(s, 100, no_reslink=True), 32, 64, 100)
    t = time.perf_counter()
    for s in structures:
        zen(build_model(s, 100, no_reslink=True), 32, 64, 100)
    wall = time.perf_counter() - t
    return {"threads": threads, "candidates": len(structures), "wall_s": wall, "candidates_per_s": len(structures) / wall,
            "load_after": load()}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="16 small / 6 steady-state networks")
    p.add_argument("--max-workers", type=int, default=None, help="N (default: usable CPUs)")
    p.add_argument("--skip-ray", action="store_true")
    p.add_argument("--out", help="write the results as JSON")
    add_cpu_flags(p)
    a = p.parse_args(argv)
    apply_cpu_flags(a)
    logging.basicConfig(level=logging.WARNING)
    from zennas.search.evaluator import Scorer
    from zennas.search.executor import LocalPool, usable_cpus

    cpus = usable_cpus()
    n_max = a.max_workers or cpus
    m = machine()
    print(cpu_line(m), flush=True)
    scorer = Scorer("Zen", resolution=32, batch_size=64, num_classes=100, device="cpu",
                    native_bf16=m["policy_native_bf16"])
    sets = {"small": visited(None, None, 16 if a.quick else 48), "steady": visited(CIFAR_1M, 1.2e6, 6 if a.quick else 24)}
    report: dict = {"machine": m, "max_workers": n_max, "startup": {}, "sets": {}}
    st = report["startup"]
    t = time.perf_counter()
    pools = {}
    for w in range(1, n_max + 1):
        pools[w] = LocalPool(scorer.spec, w, 1, "forkserver")
        pools[w].wait_ready()
        st.setdefault("forkserver_cold_s" if w == 1 else f"forkserver_warm_{w}_workers_s", time.perf_counter() - t)
        t = time.perf_counter()
    sp = LocalPool(scorer.spec, n_max, 1, "spawn")
    st[f"spawn_{n_max}_workers_s"] = sp.wait_ready()
    sp.close()
    ray_ex = None
    if not a.skip_ray:
        try:
            from zennas.search.ray_executor import RayExecutor

            t = time.perf_counter()
            ray_ex = RayExecutor(scorer.spec, n_max, 1)
            ray_ex.wait_ready()
            st[f"ray_init_and_{n_max}_actors_s"] = time.perf_counter() - t
        except Exception as exc:  # noqa: BLE001 - reported, the rest still runs
            report["ray_error"] = f"{type(exc).__name__}: {exc}"
            print(f"Ray skipped: {report['ray_error']}", flush=True)
    print("start-up: " + ", ".join(f"{k} {v:.1f}" for k, v in st.items()), flush=True)
    for name, structures in sets.items():
        row: dict = {"original": time_original(structures, cpus)}
        print(f"[{name}] {len(structures)} networks: original Zen, {cpus} threads: "
              f"{row['original']['candidates_per_s']:.2f}/s", flush=True)
        for w, pool in pools.items():
            row[f"local_{w}"] = time_executor(pool, structures)
        if ray_ex is not None:
            row[f"ray_{n_max}"] = time_executor(ray_ex, structures)
        one = row["local_1"]["candidates_per_s"]
        for k, v in list(row.items()):
            if k.startswith(("local_", "ray_")):
                v["vs_one_worker"] = v["candidates_per_s"] / one
                v["vs_original"] = v["candidates_per_s"] / row["original"]["candidates_per_s"]
        if ray_ex is not None:
            row["ray_overhead"] = row[f"local_{n_max}"]["candidates_per_s"] / row[f"ray_{n_max}"]["candidates_per_s"]
        same = all(v["scores"] == row["local_1"]["scores"] for k, v in row.items()
                   if isinstance(v, dict) and "scores" in v)
        row["identical_scores"] = same
        row["fastest_local_workers"] = max(pools, key=lambda w: row[f"local_{w}"]["candidates_per_s"])
        for k in row:
            if isinstance(row[k], dict):
                row[k].pop("scores", None)
        report["sets"][name] = row
        print(f"[{name}] " + "; ".join(f"{k}: {v['candidates_per_s']:.2f}/s ({v['vs_one_worker']:.2f}x one worker, "
                                       f"{v['vs_original']:.2f}x original)" for k, v in row.items()
                                       if isinstance(v, dict) and "vs_one_worker" in v)
              + (f"; Ray overhead {row['ray_overhead']:.2f}x" if "ray_overhead" in row else "")
              + f"; identical scores everywhere: {same}; load {load()}", flush=True)
    for pool in pools.values():
        pool.close()
    if ray_ex is not None:
        ray_ex.close()
    from zennas.search import build_config
    from zennas.search.executor import choose_workers

    auto = choose_workers(build_config(("b", {"zero_shot_score": "Zen"})), scorer.spec, True, "cpu")
    report["auto_workers"] = {"workers": auto[0], "why": auto[1]}
    print(f"the engine's automatic choice: {auto[0]} workers ({auto[1]}); fastest measured here: "
          + ", ".join(f"{k} {v['fastest_local_workers']}" for k, v in report["sets"].items()), flush=True)
    report["load_average_end"] = load()
    if a.out:
        Path(a.out).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
