"""``benchmark_network_latency.py --build_lut`` and ``--predict`` (see zennas.latency and zennas.search.latency)."""

from __future__ import annotations

import argparse
import json
import time

from zennas.cli.common import load_plugin_args, nets_from_args
from zennas.cli.latency_args import device_dtype


def build(args: argparse.Namespace) -> int:
    from zennas.latency import LatencyTable, Setting, Timer, default_table_path
    from zennas.latency.build import build_table
    from zennas.search.latency import BUDGET_KEYS, StructureSampler, sampler_config

    load_plugin_args(args)
    keys = ("search_space", "plainnet_struct", "plainnet_struct_txt", "input_image_size", "num_classes",
            "threads", *BUDGET_KEYS)
    cfg = sampler_config(args.config, {k: getattr(args, k) for k in keys} | {"plugins": args.plugins or None})
    device, dtype = device_dtype(args, cfg.latency_device, cfg.latency_dtype)
    setting = Setting.for_device(device, args.batch_size or cfg.latency_batch_size or cfg.batch_size, dtype,
                                 args.channels_last or cfg.latency_channels_last, args.threads or cfg.threads)
    table = LatencyTable.open(args.build_lut or default_table_path(device), device)
    timer = Timer(device, args.warmup, args.repeat_times, args.clock)
    t0 = time.perf_counter()
    rep = build_table(table, setting, timer, StructureSampler(cfg, seed=args.seed), structures=args.lut_structures,
                      resolution=cfg.input_image_size, num_classes=cfg.num_classes, budget_latency=cfg.budget_latency,
                      calibrate=args.calibrate, progress=False if args.no_progress else None)
    cal = rep.calibration
    out = {"table": str(table.path), "setting": setting.key, "structures": rep.structures, "units": rep.units,
           "timed_now": rep.timed, "entries": len(table.entries(setting)), "seconds": time.perf_counter() - t0,
           "model": cal.get("model"), "stated_error": cal.get("loo", {}).get(cal.get("model"))}
    if args.json:
        print(json.dumps(out))
    else:
        err = out["stated_error"]
        print(f"{out['table']}: {out['entries']} entries for {setting.describe()} ({rep.timed} timed now, "
              f"{rep.structures} structures, {rep.units} distinct units); calibration: "
              + (f"{cal['model']} model, leave-one-out MAPE {100 * err['mape']:.1f} %, p90 {100 * err['p90']:.1f} %"
                 if cal else "none"))
    return 0


def predict(args: argparse.Namespace) -> int:
    from zennas.latency import LatencyError, LatencyTable, TablePredictor, default_table_path

    device, dtype = device_dtype(args)
    table = LatencyTable.load(args.lut or default_table_path(device))
    batch = args.batch_size or 1
    setting = table.find_setting(batch, dtype, args.channels_last, args.threads)
    if setting is None:
        raise LatencyError(f"{table.path} has no entries for batch {batch}, {dtype}"
                           f"{', channels_last' if args.channels_last else ''}; it holds {', '.join(table.settings())}")
    pred = TablePredictor(table, setting)
    for net in nets_from_args(args):
        before = pred.sources["interpolated"]
        t0 = time.perf_counter()
        v = pred.predict_batch(net.blocks(), net.resolution, net.num_classes)
        rec = {"name": net.name, "structure": net.structure, "predicted_ms": v * 1e3,
               "per_image_ms": v * 1e3 / batch, "batch_size": batch, "dtype": setting.dtype,
               "device": table.device_label, "setting": setting.key, "query_ms": (time.perf_counter() - t0) * 1e3,
               "interpolated_units": pred.sources["interpolated"] - before,
               "stated_error": pred.stated_error(net.resolution, net.num_classes)}
        print(json.dumps(rec) if args.json else f"{net.name}: predicted {rec['per_image_ms']:.4f} ms per image, "
              f"{rec['predicted_ms']:.3f} ms per batch of {batch} ({setting.describe()}, {table.device_label})")
    return 0
