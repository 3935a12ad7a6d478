"""``predict.py``: top-5 labels (with class names) for image files or folders of images.

The network: a training checkpoint (``--weights``; class names are its class folders), a zoo name
(``--arch``: published weights from the cache directory or ``--pretrained PATH``; ImageNet/CIFAR names)
or a structure with ``--pretrained``.  One line per image: ``FILE: label (prob) | label (prob) | ...``.
"""

from __future__ import annotations

import argparse
import json
import sys

from zennas.cli.common import setup_logging
from zennas.cli.errors import ArgumentParser, cli_errors


@cli_errors
def main(argv: list[str] | None = None) -> int:
    from zennas.cli.source_args import add_source_args

    p = ArgumentParser(prog="predict.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("images", nargs="+", help="image files or folders")
    add_source_args(p)
    p.add_argument("--topk", type=int, default=5)
    p.add_argument("--batch_size", type=int, default=32)
    p.add_argument("--device", default="cpu")
    p.add_argument("--fp16", action="store_true", help="mixed precision (torch.autocast)")
    p.add_argument("--json", action="store_true", help="one JSON line per image")
    args = p.parse_args(argv)
    setup_logging(args.debug)
    from zennas.devices import resolve_device
    from zennas.inference import load_from_args
    from zennas.predict import image_files, predict

    device = resolve_device(args.device)
    lm = load_from_args(args)
    for r in predict(lm, image_files(args.images), topk=args.topk, device=device, batch_size=args.batch_size,
                     fp16=args.fp16):
        if args.json:
            print(json.dumps(r))
        else:
            print(f"{r['file']}: " + " | ".join(f"{t['label']} ({t['prob']:.3f})" for t in r["top"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
