"""``benchmark_network_latency.py``: synchronised latency of structures or zoo networks; latency tables.

Measure (default): ``--warmup`` untimed forwards, then ``--repeat_times`` timed forwards of one N(0,1)
batch in eval mode without gradients; the device is synchronised before each clock read (the original read
the clock around asynchronous CUDA calls) and the median, p90 and per-image time are reported with batch
size, dtype, device and threads.  ``--build_lut [FILE]`` times the units a search space produces around a
budget into a per-device table (resumable); ``--predict --lut FILE`` predicts from it.
"""

from __future__ import annotations

import json
import sys

from zennas.cli.common import nets_from_args, setup_logging
from zennas.cli.errors import cli_errors
from zennas.cli.latency_args import device_dtype, make_parser


@cli_errors
def main(argv: list[str] | None = None) -> int:
    args = make_parser(__doc__).parse_args(argv)
    setup_logging()
    if args.build_lut is not None or args.predict:
        from zennas.cli.latency_lut import build, predict

        return build(args) if args.build_lut is not None else predict(args)
    from zennas.latency import measure_latency
    from zennas.latency.measure import set_threads

    device, dtype = device_dtype(args)
    set_threads(args.threads)
    batch = args.batch_size or 1
    for net in nets_from_args(args):
        r = measure_latency(net.build(), resolution=net.resolution, batch_size=batch, device=device, dtype=dtype,
                            warmup=args.warmup, repeats=args.repeat_times, channels_last=args.channels_last,
                            threads=args.threads, clock=args.clock)
        if args.json:
            print(json.dumps({"name": net.name, "structure": net.structure, **r.as_json()}), flush=True)
        else:
            th = f", {r.threads} thread(s)" if r.threads else ""
            print(f"{net.name}: {r.per_image * 1e3:.4f} ms per image ({1.0 / r.per_image:.1f} images/s); per batch of "
                  f"{r.batch_size}: median {r.per_batch * 1e3:.3f} ms, p90 {r.p90 * 1e3:.3f} ms over {len(r.runs)} "
                  f"runs after {r.warmup} warm-up; {r.dtype}{' channels_last' if r.channels_last else ''} on "
                  f"{r.device} ({r.device_name}{th}), {r.clock} clock, torch {r.torch_version}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
