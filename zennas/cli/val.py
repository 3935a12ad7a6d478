"""``val.py``: top-1/top-5 on an ImageFolder validation set (``DIR/val/<class>/*`` or ``DIR/<class>/*``).

The network is a training checkpoint (``--weights RUN/best-params_rank0.pth``: structure, classes and
pre-processing come from it), a zoo name (``--arch``: its published weights from the cache directory
~/.cache/pytorch/checkpoints/zennet_pretrained/, or ``--pretrained PATH_OR_URL``), or a structure.
Pre-processing as the original: resize ceil(crop/0.875) bicubic, center-crop, normalise, then a bilinear
resize to the model resolution on the device.  Refuses data whose class folders do not match the model.
``--fp16`` and the legacy ``--apex`` run under torch.autocast (NVIDIA apex is not used).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from zennas.cli.common import setup_logging
from zennas.cli.errors import ArgumentParser, UsageError, cli_errors


def add_eval_args(p: argparse.ArgumentParser, batch_size: int) -> None:
    p.add_argument("--batch_size", type=int, default=batch_size)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N")
    p.add_argument("--gpu", type=int, default=None, help="legacy: same as --device cuda:N")
    p.add_argument("--fp16", action="store_true", help="mixed precision (torch.autocast)")
    p.add_argument("--apex", action="store_true", help="legacy flag: NVIDIA apex AMP is replaced by torch.autocast")
    p.add_argument("--json", action="store_true", help="print one JSON line (top1, top5 in percent, images, ...)")


def report(r: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(r))
    else:
        src = f" ({r['weights']})" if r.get("weights") else ""
        print(f"{r['arch']}{src}: top-1 {r['top1']:.3f}%  top-5 {r['top5']:.3f}%  on {r['images']} images")


@cli_errors
def main(argv: list[str] | None = None) -> int:
    from zennas.cli.source_args import add_source_args

    p = ArgumentParser(prog="val.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source_args(p)
    p.add_argument("--data", default=None,
                   help="ImageFolder root (class sub-folders), or a folder holding val/ (default ~/data/imagenet)")
    p.add_argument("--crop", type=int, default=None, help="center-crop size (default: the zoo's crop / the model's)")
    add_eval_args(p, batch_size=128)
    args = p.parse_args(argv)
    setup_logging(args.debug)
    from zennas.evaluate import evaluate_imagefolder, resolve_device
    from zennas.inference import load_from_args

    device = resolve_device(args.device, args.gpu)  # before any work: a missing GPU is one line
    data = args.data or str(Path("~/data/imagenet").expanduser())
    if args.data is None and not Path(data).is_dir():
        raise UsageError(f"no --data given and the default ImageNet folder {data} does not exist",
                         "pass --data DIR (DIR/val/<class>/<image> or DIR/<class>/<image>)")
    lm = load_from_args(args, crop=args.crop)
    r = evaluate_imagefolder(lm, data, batch_size=args.batch_size, workers=args.workers, device=device,
                             fp16=args.fp16 or args.apex)
    report(r, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
