"""Options of ``benchmark_network_latency.py``: measurement, table building (``--build_lut``), prediction."""

from __future__ import annotations

import argparse

from zennas.cli.common import add_model_args
from zennas.cli.errors import ArgumentParser


def make_parser(doc: str | None = None) -> argparse.ArgumentParser:
    p = ArgumentParser(prog="benchmark_network_latency.py", description=doc,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_args(p)
    m = p.add_argument_group("measurement (also how table entries are timed)")
    m.add_argument("--batch_size", type=int, default=None, help="images per forward (default 1; with --config: "
                   "the preset's latency batch)")
    m.add_argument("--repeat_times", type=int, default=10, help="timed forwards; median, p90 reported (default 10)")
    m.add_argument("--warmup", type=int, default=3, help="untimed forwards first (default 3)")
    m.add_argument("--device", default=None, help="cpu, cuda, cuda:N or auto (default cpu)")
    m.add_argument("--gpu", type=int, default=None, help="legacy: same as --device cuda:N")
    m.add_argument("--fp16", action="store_true", help="legacy: --dtype float16")
    m.add_argument("--dtype", default=None, help="float32 (default), float16 / fp16, bfloat16 / bf16")
    m.add_argument("--channels_last", action="store_true", help="channels_last memory layout")
    m.add_argument("--threads", type=int, default=None, help="torch CPU threads (pin them for stable figures)")
    m.add_argument("--clock", default="wall", help="wall (default) or thread: CPU time of the calling thread "
                   "(CPU, --threads 1), robust to other processes on a loaded machine")
    m.add_argument("--json", action="store_true", help="one JSON line per structure")
    t = p.add_argument_group("latency table (--build_lut) and prediction (--predict)")
    t.add_argument("--build_lut", nargs="?", const="", default=None, metavar="FILE",
                   help="build or extend a table (default file: the per-device one in ~/.cache/zennas/latency)")
    t.add_argument("--config", default=None, help="search preset or YAML: space, initial structure, budgets, "
                   "resolution, latency batch/dtype/device")
    t.add_argument("--search_space", default=None, help="space name (default XXBL)")
    for b in ("budget_flops", "budget_model_size", "budget_mac", "budget_peak", "budget_latency", "max_layers"):
        t.add_argument(f"--{b}", default=None, help="budget the sampled structures stay within (search syntax)")
    t.add_argument("--lut_structures", type=int, default=200, help="structures sampled (default 200)")
    t.add_argument("--calibrate", type=int, default=12, help="networks measured whole to fit the per-network "
                   "overhead (default 12; 0: skip)")
    t.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    t.add_argument("--no_progress", action="store_true", help="no progress bar")
    t.add_argument("--predict", action="store_true", help="predict from --lut instead of measuring")
    t.add_argument("--lut", default=None, help="table file to predict from (default: this device's)")
    return p


def device_dtype(args: argparse.Namespace, device: str | None = None, dtype: str | None = None) -> tuple[str, str]:
    """(device, dtype) from the flags (``--gpu`` / ``--fp16`` kept), else the given defaults; checked here so
    a bad value is one line before any model is built."""
    from zennas.latency.measure import CLOCKS, LatencyError, check_positive, dtype_name, resolve_device

    dev = f"cuda:{args.gpu}" if args.gpu is not None else args.device or device or "cpu"
    dt = args.dtype or ("float16" if args.fp16 else dtype or "float32")
    resolve_device(dev)
    check_positive(batch_size=args.batch_size, repeat_times=args.repeat_times, threads=args.threads)
    if args.warmup < 0:
        raise LatencyError(f"--warmup must be >= 0, got {args.warmup}")
    if args.clock not in CLOCKS:
        raise LatencyError(f"unknown clock {args.clock!r}; use one of {', '.join(CLOCKS)}")
    return dev, dtype_name(dt)


__all__ = ["device_dtype", "make_parser"]
