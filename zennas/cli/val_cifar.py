"""``val_cifar.py``: top-1/top-5 on the CIFAR-10/100 test split, read from torchvision's on-disk layout
under ``--data_dir`` (default: the original's ~/data/pytorch_cifar10 or ~/data/pytorch_cifar100; never
downloaded).  The network: a training checkpoint (``--weights``), a zoo name (``--arch``, published weights
from the cache directory or ``--pretrained PATH``) or a structure.  Pre-processing: tensor + the model's
normalisation (CIFAR mean/std), no resize at 32 px.
"""

from __future__ import annotations

import argparse
import sys

from zennas.cli.common import setup_logging
from zennas.cli.errors import ArgumentParser, cli_errors
from zennas.cli.val import add_eval_args, report


@cli_errors
def main(argv: list[str] | None = None) -> int:
    from zennas.cli.source_args import add_source_args

    p = ArgumentParser(prog="val_cifar.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source_args(p)
    p.add_argument("--dataset", choices=("cifar10", "cifar100"), default=None,
                   help="default: from the checkpoint / zoo name / class count")
    p.add_argument("--data_dir", default=None, help="folder holding cifar-10-batches-py/ or cifar-100-python/")
    add_eval_args(p, batch_size=512)
    args = p.parse_args(argv)
    setup_logging(args.debug)
    from zennas.evaluate import cifar_name, evaluate_cifar, resolve_device
    from zennas.inference import load_from_args

    device = resolve_device(args.device, args.gpu)  # before any work: a missing GPU is one line
    lm = load_from_args(args)
    r = evaluate_cifar(lm, args.data_dir, cifar_name(lm, args.dataset), batch_size=args.batch_size,
                       workers=args.workers, device=device, fp16=args.fp16 or args.apex)
    report(r, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
