"""``benchmark_network_latency.py``: synchronised latency of a structure or zoo network.

Warm-up forwards, then ``--repeat_times`` timed forwards of one N(0,1) batch in eval mode without
gradients; the device is synchronised before each clock read (the original read the clock around
asynchronous CUDA calls) and the **median** is reported per batch and per image, with batch size,
dtype, device name and torch version.  ``--fp16`` is half precision (CUDA) / ``--dtype`` any dtype.
"""

from __future__ import annotations

import argparse
import json
import sys

from zennas.cli.common import add_model_args, nets_from_args, setup_logging
from zennas.cli.errors import ArgumentParser, cli_errors


@cli_errors
def main(argv: list[str] | None = None) -> int:
    p = ArgumentParser(prog="benchmark_network_latency.py", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_args(p)
    p.add_argument("--batch_size", type=int, default=1)
    p.add_argument("--repeat_times", type=int, default=10, help="timed forwards (median reported)")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    p.add_argument("--gpu", type=int, default=None, help="legacy: same as --device cuda:N")
    p.add_argument("--fp16", action="store_true", help="half precision (use on CUDA)")
    p.add_argument("--dtype", default=None, help="float32, float16, bfloat16 (overrides --fp16)")
    p.add_argument("--channels_last", action="store_true")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--json", action="store_true", help="one JSON line per network")
    args = p.parse_args(argv)
    setup_logging()
    import torch

    from zennas.latency import measure_latency

    if args.threads:
        torch.set_num_threads(args.threads)
    device = f"cuda:{args.gpu}" if args.gpu is not None else args.device
    dtype = args.dtype or ("float16" if args.fp16 else "float32")
    for net in nets_from_args(args):
        model = net.build()
        r = measure_latency(model, resolution=net.resolution, batch_size=args.batch_size, device=device,
                            dtype=dtype, warmup=args.warmup, repeats=args.repeat_times,
                            channels_last=args.channels_last)
        if args.json:
            print(json.dumps({"name": net.name, "structure": net.structure, **r.as_dict()}), flush=True)
        else:
            print(f"{net.name}: {r.per_image * 1e3:.4f} ms per image ({1.0 / r.per_image:.1f} images/s), "
                  f"{r.per_batch * 1e3:.3f} ms per batch of {r.batch_size}, median of {len(r.runs)} runs "
                  f"after {r.warmup} warm-up; {r.dtype} on {r.device} ({r.device_name}), torch {r.torch_version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
