#!/usr/bin/env python
"""Training-engine benchmark: images/s of the engine's training epoch vs a minimal hand-written torch loop
(forward, cross-entropy, backward, SGD step) on the same model, the same in-memory data and the same batch,
for fp32 / bf16 autocast and contiguous / channels_last.  Goal: engine >= 0.95x the hand loop (the engine's
per-step LR, metrics, EMA hooks and logging add no measurable overhead).

Both loops run in this process, interleaved epoch by epoch (the order alternating every round) after one
warm-up epoch each, so machine load hits both alike.  Columns: best wall-clock images/s of each loop (the
round least disturbed by other processes on a shared machine) and their ratio, the ratio of the medians,
and the ratio of images per CPU-second of this process (the figure least sensitive to other load).
Prints the CPU capability, whether bf16 is native, threads and the load average.

    python benchmarks/train.py [--quick] [--rounds 5] [--threads 2] [--out bench.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# a CIFAR-size searched-style XXBL structure (quick) and the published ZenNet CIFAR-10 0.5M model (full)
QUICK = ("SuperConvK3BNRELU(3,16,1,1)SuperResK3K3(16,32,2,16,1)SuperResK3K3(32,64,2,32,1)"
         "SuperConvK1BNRELU(64,128,1,1)")
FULL = "zennet_cifar10_model_size05M_res32"
LR = 0.025  # constant in both loops, so both follow the same kind of trajectory (same value ranges)
# a near-zero-compute network: the per-step time is the loops' own bookkeeping (python, optimizer, metrics)
OVERHEAD = dict(plainnet_struct="SuperConvK1BNRELU(3,8,1,1)", input_image_size=4)
VARIANTS = {"fp32": dict(), "fp32_channels_last": dict(channels_last=True), "bf16": dict(bf16=True),
            "bf16_channels_last": dict(bf16=True, channels_last=True)}


def bundle(n: int, size: int, k: int = 10):
    import torch
    from torch.utils.data import TensorDataset

    from zennas.checkpoint import Preprocess
    from zennas.train.data import DataBundle

    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, k, (n,), generator=g)
    x = torch.randn(n, 3, size, size, generator=g)
    return DataBundle(TensorDataset(x, y), TensorDataset(x[:64], y[:64]), [str(i) for i in range(k)], Preprocess(size))


def hand_epoch(model, loader, opt, dtype, memory_format) -> int:
    """The minimal loop: what anyone would write by hand."""
    import torch
    import torch.nn.functional as F

    model.train()
    n = 0
    for x, y in loader:
        x = x.to(memory_format=memory_format)
        with torch.autocast("cpu", dtype=dtype, enabled=dtype is not None):
            loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        n += x.shape[0]
    return n


def timed(fn) -> tuple[object, float, float]:
    """(result, wall seconds, CPU seconds of this process)."""
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def run_variant(name: str, flags: dict, arch: dict, data, batch: int, rounds: int) -> dict:
    import torch

    from zennas.models import create_model
    from zennas.train import build_config
    from zennas.train.engine import Trainer
    from zennas.train.optim import param_groups

    with tempfile.TemporaryDirectory() as tmp:
        cfg = build_config(("benchmark", dict(**arch, **flags, epochs=rounds + 1, batch_size_per_gpu=batch,
                                              save_dir=tmp, seed=0, workers_per_gpu=0, tensorboard=False,
                                              progress=False, print_freq=10**9, nesterov=True,
                                              weight_init="custom", lr=LR, target_lr=LR, lr_mode="linear")))
        tr = Trainer(cfg, data=data)
        tr.setup()
        model = create_model(tr.spec)  # the same network (same initial weights), a separate copy
        model.load_state_dict(tr.task.model.state_dict())
        mf = torch.channels_last if flags.get("channels_last") else torch.contiguous_format
        model.to(memory_format=mf)
        opt = torch.optim.SGD(param_groups(model, 4e-5), lr=LR, momentum=0.9, nesterov=True)
        loader = torch.utils.data.DataLoader(data.train, batch_size=batch, shuffle=True, drop_last=True)
        dtype = torch.bfloat16 if flags.get("bf16") else None
        hand, eng, hand_cpu, eng_cpu = [], [], [], []
        for r in range(rounds + 1):  # round 0 = warm-up of both; the order alternates between rounds
            runs = [("hand", lambda: hand_epoch(model, loader, opt, dtype, mf)),
                    ("engine", lambda r=r: tr.train_epoch(r)["train_images"])]
            for who, fn in (runs if r % 2 else runs[::-1]):
                n, wall, cpu = timed(fn)
                if r:
                    (hand if who == "hand" else eng).append(n / wall)
                    (hand_cpu if who == "hand" else eng_cpu).append(n / cpu)
        tr.log.close()
    h, e = max(hand), max(eng)
    return {"variant": name, "hand_images_per_s": h, "engine_images_per_s": e, "ratio": e / h,
            "median_ratio": statistics.median(eng) / statistics.median(hand),
            "cpu_time_ratio": statistics.median(eng_cpu) / statistics.median(hand_cpu), "hand_rounds": hand,
            "engine_rounds": eng, "hand_cpu_rounds": hand_cpu, "engine_cpu_rounds": eng_cpu}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a small searched-style structure instead of ZenNet CIFAR "
                                                         "0.5M, 4 rounds (about a minute)")
    ap.add_argument("--rounds", type=int, default=None, help="measured epochs per loop (default 4)")
    ap.add_argument("--images", type=int, default=None, help="images per epoch (default 320, quick 640)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument("--no-overhead", dest="no_overhead", action="store_true",
                    help="skip the per-step bookkeeping measurement on a near-empty network")
    ap.add_argument("--out", default=None, help="write the results as JSON")
    a = ap.parse_args(argv)
    import logging

    import torch

    from zennas.train.precision import cpu_has_native_bf16

    logging.basicConfig(level=logging.WARNING)
    if a.threads:
        torch.set_num_threads(a.threads)
    rounds = a.rounds or 4
    images = a.images or (640 if a.quick else 320)
    arch = dict(plainnet_struct=QUICK, input_image_size=32) if a.quick else dict(arch=FULL)
    info = {"cpu_capability": torch.backends.cpu.get_cpu_capability(), "native_bf16": cpu_has_native_bf16(),
            "threads": torch.get_num_threads(), "torch": torch.__version__, "machine": platform.processor() or
            platform.machine(), "model": arch, "images_per_epoch": images, "batch": a.batch, "rounds": rounds,
            "load_average_before": list(os.getloadavg())}
    print(f"CPU capability {info['cpu_capability']}, native bf16: {info['native_bf16']}, threads {info['threads']}, "
          f"torch {info['torch']}, load average {info['load_average_before']}")
    print(f"model {arch}, {images} images/epoch, batch {a.batch}, best of {rounds} interleaved epochs")
    data = bundle(images, 32)
    results = []
    print(f"{'variant':20s} {'hand img/s':>11s} {'engine img/s':>13s} {'engine/hand':>12s} {'median':>8s} "
          f"{'CPU-time':>9s}")
    for name in a.variants:
        r = run_variant(name, VARIANTS[name], arch, data, a.batch, rounds)
        results.append(r)
        print(f"{name:20s} {r['hand_images_per_s']:11.1f} {r['engine_images_per_s']:13.1f} {r['ratio']:12.3f} "
              f"{r['median_ratio']:8.3f} {r['cpu_time_ratio']:9.3f}")
    if not a.no_overhead:
        tiny = bundle(64 * 50, 4)
        o = run_variant("overhead", {}, OVERHEAD, tiny, a.batch, rounds)
        hs, es = a.batch / o["hand_images_per_s"] * 1e6, a.batch / o["engine_images_per_s"] * 1e6
        real = a.batch / results[0]["engine_images_per_s"] * 1e6 if results else float("nan")
        info["overhead"] = {"hand_us_per_step": hs, "engine_us_per_step": es, "extra_us_per_step": es - hs,
                            "fraction_of_first_variant_step": (es - hs) / real}
        print(f"per-step bookkeeping on a near-empty network: hand {hs:.0f} us, engine {es:.0f} us -> the engine "
              f"adds {es - hs:.0f} us per step = {100 * (es - hs) / real:.2f}% of a {results[0]['variant'] if results else ''} "
              f"step of the model above")
    base = {r["variant"]: r["engine_images_per_s"] for r in results}
    if "fp32" in base:
        for k, v in base.items():
            if k != "fp32":
                print(f"engine {k} vs fp32: {v / base['fp32']:.2f}x")
    info["load_average_after"] = list(os.getloadavg())
    worst = min(r["ratio"] for r in results)
    print(f"worst engine/hand ratio {worst:.3f} (goal >= 0.95); load average after {info['load_average_after']}")
    if a.out:
        Path(a.out).write_text(json.dumps({"info": info, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
