"""``python -m ZeroShotProxy`` / ``zennas-score``: score structures with a zero-shot proxy.

Networks are built with residual links removed (as ZEN's search scores them) unless --keep_reslink.
Prints a table, or with --json one JSON object per structure. Exit code 1 if any score failed, 2 for bad
usage.  The original scripts' options are accepted: ``--gpu N``, ``--mixup_gamma``, ``--repeat_times``.
"""

from __future__ import annotations

import json
import sys

from zennas.block import MAX_ARG
from zennas.blocks import DEFAULT_DIALECT
from zennas.cli.common import add_model_args, nets_from_args, setup_logging
from zennas.cli.errors import ArgumentParser, UsageError, bounded_int, cli_errors, one_line
from zennas.structure import to_str


@cli_errors
def main(argv: list[str] | None = None) -> int:
    p = ArgumentParser(prog="python -m ZeroShotProxy", description=__doc__.splitlines()[0])
    add_model_args(p)
    p.add_argument("--zero_shot_score", default="Zen", help="proxy name, case-insensitive (Zen, GradNorm, "
                   "NASWOT, Syncflow/SynFlow, TE-NAS, Flops, Params, Random)")
    p.add_argument("--batch_size", type=bounded_int(1, MAX_ARG), default=None, help="default: the proxy's (64 for most)")
    p.add_argument("--gamma", "--mixup_gamma", type=float, default=1e-2, help="Zen mixup_gamma")
    p.add_argument("--seed", type=bounded_int(0, 2**31 - 1), default=None, help="default: a fresh seed, printed")
    p.add_argument("--device", default="cpu")
    p.add_argument("--gpu", type=bounded_int(0, 1023), default=None, help="legacy: same as --device cuda:N")
    p.add_argument("--repeat", "--repeat_times", type=bounded_int(1, 10_000), default=1)
    p.add_argument("--dtype", default="auto", help="auto (proxy default), float32, bfloat16, float16, float64")
    p.add_argument("--keep_reslink", action="store_true", help="score WITH residual links")
    p.add_argument("--json", action="store_true", help="one JSON line per structure")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    setup_logging(args.verbose or args.debug)
    from zennas.devices import resolve_device
    from zennas.proxies import PROXIES, compute_proxy

    device = resolve_device(args.device, args.gpu)
    nets = nets_from_args(args)  # loads --plugins, which may provide the proxy
    try:
        PROXIES.get(args.zero_shot_score)
    except KeyError as exc:
        raise UsageError(f"--zero_shot_score: {one_line(exc)}") from None
    failed = 0
    if not args.json:
        print(f"{'name':<12} {'proxy':<9} {'score':>14} {'ok':>3} {'seconds':>8} {'seed':>11}  error")
    for net in nets:
        # ZEN-dialect strings are built by compute_proxy (no_reslink as the original search); other
        # dialects (GENet) are scored on their zoo family's own module (as built, with shortcuts)
        obj = (to_str(net.blocks()) if net.rechain else net.structure) if net.dialect == DEFAULT_DIALECT else net.build()
        r = compute_proxy(args.zero_shot_score, obj, resolution=net.resolution,
                          batch_size=args.batch_size, num_classes=net.num_classes, device=device,
                          dtype=None if args.dtype == "auto" else args.dtype, seed=args.seed,
                          repeat=args.repeat, gamma=args.gamma, no_reslink=not args.keep_reslink,
                          use_se=net.use_se)
        failed += not r.ok
        if args.json:
            extra = {k: v for k, v in r.extra.items() if k != "traceback"}
            print(json.dumps({"structure": net.structure, "name": net.name, "proxy": r.name, "score": r.score,
                              "ok": r.ok, "error": r.error, "seconds": r.seconds, "seed": r.seed,
                              "resolution": net.resolution, "extra": extra}, default=str))
        else:
            print(f"{net.name[:12]:<12} {r.name:<9} {r.score:>14.6g} {'yes' if r.ok else 'NO':>3} "
                  f"{r.seconds:>8.3f} {str(r.seed):>11}  {r.error or ''}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
