"""Latency predictor vs synchronised measurement on CPU, and its query speed (one run, ratios).

For each space (CIFAR: preset Zen_NAS_cifar_params1M, XXBL at 32 px, params <= 1M, 100 classes; ImageNet:
preset Zen_NAS_ImageNet_latency0.1ms, XXBL at 224 px, <= 10 layers, FLOPs <= 1G as the CPU stand-in for
its V100 latency budget, 1000 classes), each batch size (1, 64) and dtype (float32, and bfloat16 where the
CPU computes it natively):

1. build a table: ``--table_structures`` structures from the search's own sampler (seed 1: the search's
   mutation, split and budgets, climbing to the budget), their units timed inside their networks, then the
   per-network overhead calibrated on ``--calibrate`` measured networks;
2. draw ``--structures`` *other* structures (seed 2: every 3rd of a 3x longer walk, so they span the
   initial structure to the budget); predict each (units the table lacks are interpolated, never timed)
   and measure it whole with the same protocol;
3. report MAPE, the fraction within +-10 %, p90 / max error and bias (goals: MAPE <= 10 %, >= 90 % within
   +-10 %), the share of interpolated units, and the query speed: one prediction (after the search's
   cheaper cost budgets, which parse the blocks; also counted with them) vs one measurement as the search's
   latency budget did it (build + warm-up + timed runs), and vs one timed forward; plus the mean query on a
   stream of consecutive search candidates (``--stream``), which share most blocks (goal >= 1000x vs a
   measurement).

Timing figures depend on the machine's load: every case records the load average before and after, the
CPU capability, native bf16 and the pinned threads.  Take accuracy figures on a quiet machine; on a
loaded one ``--clock thread --threads 1`` counts only this thread's CPU time (close to a quiet machine's
wall time; caches are still shared).

    python benchmarks/latency.py --quick                 # a few minutes: CIFAR, batch 1 and 64, fp32
    python benchmarks/latency.py --out results/latency.json   # the full run (about an hour on 2 cores)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from zennas.costs import compute_costs  # noqa: E402
from zennas.latency import LatencyTable, Setting, TablePredictor, Timer, describe_device, percentage_errors  # noqa: E402
from zennas.latency.build import build_table, list_sampler, measure_network  # noqa: E402
from zennas.latency.units import network_units  # noqa: E402
from zennas.search.latency import StructureSampler, sampler_config  # noqa: E402

SPACES = {
    "cifar": ("Zen_NAS_cifar_params1M", {"input_image_size": 32, "num_classes": 100}),
    "imagenet": ("Zen_NAS_ImageNet_latency0.1ms", {"input_image_size": 224, "num_classes": 1000,
                                                   "budget_flops": 1e9}),
}


def load() -> float:
    return round(os.getloadavg()[0], 2)


def space_structures(name: str, n_table: int, n_test: int):
    preset, over = SPACES[name]
    cfg = sampler_config(preset, over)
    cfg.budget_latency = None  # the preset's V100 budget means nothing on a CPU: FLOPs bound the walk instead
    table_nets = StructureSampler(cfg, seed=1)(n_table)
    walk = StructureSampler(cfg, seed=2)(3 * n_test)
    return cfg, table_nets, walk[::3][:n_test]


def clear_caches() -> None:
    """The memo caches of parsing, costs and table units (what a search fills as it goes)."""
    from zennas import block
    from zennas.latency import units

    for f in (block._cached_cost, block._cached_expansion, block._cached_res, units.block_units,
              units.unit_features, units.unit_ops, units._block_ops, units._ops):
        f.cache_clear()


def timer_for(res: int, batch: int, args) -> Timer:
    heavy = res >= 224 and batch >= 64
    return Timer("cpu", warmup=1 if heavy else args.warmup, repeats=5 if heavy else args.repeats, clock=args.clock)


def run_case(cfg, table_nets, test_nets, batch: int, dtype: str, table: LatencyTable, args) -> dict:
    res, nc = cfg.input_image_size, cfg.num_classes
    setting = Setting(batch, dtype, False, args.threads)
    timer = timer_for(res, batch, args)
    row = {"space": cfg.name, "resolution": res, "classes": nc, "batch_size": batch, "dtype": dtype,
           "threads": args.threads, "clock": args.clock, "statistic": args.statistic, "warmup": timer.warmup, "repeats": timer.repeats,
           "load_before": load()}
    t0 = time.perf_counter()
    rep = build_table(table, setting, timer, list_sampler(table_nets),
                      structures=len(table_nets), resolution=res, num_classes=nc, calibrate=args.calibrate,
                      statistic=args.statistic, progress=False)
    row.update(table_seconds=round(time.perf_counter() - t0, 1), table_structures=rep.structures,
               table_units=rep.units, calibration_model=rep.calibration.get("model"),
               stated_error=rep.calibration.get("loo", {}).get(rep.calibration.get("model")),
               offset_only_loo=rep.calibration.get("loo", {}).get("offset"), load_after_table=load())
    pred = TablePredictor(table, setting, statistic=args.statistic)
    now = time.thread_time if args.clock == "thread" else time.perf_counter  # queries and calls: the same clock
    p0 = now()
    pred.prepare()  # once per search: the interpolator over the table
    row["prepare_ms"] = round((now() - p0) * 1e3, 2)
    clear_caches()  # every case meets its structures cold (the dtypes of a space share structures)
    predicted, measured, queries, costs, calls, interp, n_units = [], [], [], [], [], 0, 0
    for b in test_nets:
        before = pred.sources["interpolated"]
        c0 = now()
        compute_costs(b, res, nc)  # the search's params/FLOPs budgets run first (and expand the blocks)
        q0 = now()
        p = pred.predict_batch(b, res, nc)
        queries.append(now() - q0)
        costs.append(q0 - c0)
        interp += pred.sources["interpolated"] - before
        n_units += len({u.key for u, _ in network_units(b, res, nc)})
        m0 = now()
        r = measure_network(b, res, nc, setting, timer)
        calls.append(now() - m0)
        predicted.append(p)
        measured.append(r.min if args.statistic == "min" else r.per_batch)
    stream = []  # the search's view: consecutive candidates of a walk (shared blocks), after their cost budgets
    for b in StructureSampler(cfg, seed=5)(args.stream):
        compute_costs(b, res, nc)
        q0 = now()
        pred.predict_batch(b, res, nc)
        stream.append(now() - q0)
    err = percentage_errors(predicted, measured)
    q = statistics.mean(queries)
    row.update({k: round(v, 4) for k, v in err.items()})
    row.update(structures=len(test_nets), interpolated_units=round(interp / max(1, n_units), 3),
               query_us=round(q * 1e6, 1), query_with_costs_us=round((q + statistics.mean(costs)) * 1e6, 1),
               speedup_with_costs=round(statistics.mean(calls) / (q + statistics.mean(costs))),
               stream_query_us=round(statistics.mean(stream) * 1e6, 1),
               speedup_stream=round(statistics.mean(calls) / statistics.mean(stream)),
               measure_call_ms=round(statistics.mean(calls) * 1e3, 2),
               forward_ms=round(statistics.mean(measured) * 1e3, 3),
               speedup_vs_measurement=round(statistics.mean(calls) / q), speedup_vs_forward=round(
                   statistics.mean(measured) / q), measured_ms_range=[round(min(measured) * 1e3, 3),
                                                                       round(max(measured) * 1e3, 3)],
               load_after=load())
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="CIFAR only, batch 1 and 64, fp32, few structures")
    ap.add_argument("--spaces", nargs="+", default=None, choices=sorted(SPACES))
    ap.add_argument("--batches", nargs="+", type=int, default=None)
    ap.add_argument("--dtypes", nargs="+", default=None, help="default float32 (+ bfloat16 if native)")
    ap.add_argument("--structures", type=int, default=None, help="test structures per space (default 50; quick 12)")
    ap.add_argument("--table_structures", type=int, default=None, help="default 100; quick 40")
    ap.add_argument("--calibrate", type=int, default=None, help="networks measured to calibrate (12; quick 8)")
    ap.add_argument("--stream", type=int, default=300, help="consecutive search candidates timed for the query "
                    "speed in the search's setting (default 300)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--clock", default="wall", choices=("wall", "thread"))
    ap.add_argument("--statistic", default="median", choices=("median", "min"),
                    help="what is predicted and compared: the median of the timed runs (default) or their minimum "
                         "(the run least disturbed by other processes, for loaded machines)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--lut_dir", default=None, help="keep the tables here (default: a temporary folder)")
    ap.add_argument("--out", default=None, help="JSON results file")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    dev = describe_device("cpu")
    spaces = args.spaces or (["cifar"] if args.quick else ["cifar", "imagenet"])
    batches = args.batches or [1, 64]
    dtypes = args.dtypes or (["float32"] + ([] if args.quick or not dev["native_bf16"] else ["bfloat16"]))
    n_test = args.structures or (12 if args.quick else 50)
    n_table = args.table_structures or (40 if args.quick else 100)
    args.calibrate = args.calibrate or (8 if args.quick else 12)
    print(f"CPU: {dev['name']}, capability {dev['cpu_capability']}, native bf16 {dev['native_bf16']}, "
          f"{dev['cores']} cores, {args.threads} thread(s), clock {args.clock}, torch {dev['libraries']['torch']}, "
          f"load {load()}", flush=True)
    lut_dir = Path(args.lut_dir or tempfile.mkdtemp(prefix="zennas-latency-bench-"))
    lut_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for space in spaces:
        cfg, table_nets, test_nets = space_structures(space, n_table, n_test)
        table = LatencyTable.open(lut_dir / f"{space}.json", "cpu")
        for batch in batches:
            for dtype in dtypes:
                r = run_case(cfg, table_nets, test_nets, batch, dtype, table, args)
                rows.append(r)
                print(f"{space:8s} {r['resolution']:3d}px b{batch:<3d} {dtype:8s}: MAPE {100 * r['mape']:5.1f} %, "
                      f"within 10 % {100 * r['within10']:5.1f} %, p90 {100 * r['p90']:5.1f} %, bias "
                      f"{100 * r['bias']:+5.1f} % ({r['structures']} nets, {r['measured_ms_range'][0]}-"
                      f"{r['measured_ms_range'][1]} ms/batch, {100 * r['interpolated_units']:.0f} % units interpolated)"
                      f" | query {r['query_us']:.0f} us = {r['speedup_vs_measurement']}x faster than a measurement "
                      f"({r['speedup_with_costs']}x counting the cost budgets' parsing; {r['speedup_stream']}x on a search's "
                      f"stream of candidates), "
                      f"{r['speedup_vs_forward']}x than one forward | model {r['calibration_model']} | load "
                      f"{r['load_before']}->{r['load_after']}", flush=True)
    out = {"device": dev, "threads": args.threads, "clock": args.clock, "statistic": args.statistic,
           "quick": args.quick, "cases": rows,
           "goals": {"mape": 0.10, "within10": 0.90, "speedup_vs_measurement": 1000}}
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
