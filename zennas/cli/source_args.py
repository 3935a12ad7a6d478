"""``--weights CHECKPOINT`` or a network (``--arch`` / ``--plainnet_struct[_txt]``) plus its weights: the
options shared by val.py, val_cifar.py, predict.py and export.py (resolved by
:func:`zennas.inference.load_from_args`)."""

from __future__ import annotations

import argparse

from zennas.cli.common import add_model_args


def add_source_args(p: argparse.ArgumentParser) -> None:
    """``--weights`` plus the network options (:func:`add_model_args`) and the
    published-weights options."""
    p.add_argument("--weights", default=None, help="a training checkpoint (best-params_rank0.pth): network, "
                   "classes and pre-processing come from it; or a bare state dict together with --arch")
    add_model_args(p)
    g = p.add_argument_group("weights for --arch / --plainnet_struct")
    g.add_argument("--pretrained", nargs="?", const=True, default=None, metavar="PATH_OR_URL",
                   help="weights file or URL; alone: the published weights in the cache directory "
                   "(default for zoo names)")
    g.add_argument("--random_init", action="store_true", help="no weights (zoo names too)")
    g.add_argument("--sha256", default=None, help="expected SHA-256 of the weights file")
    g.add_argument("--download", action="store_true", help="fetch missing published weights from the authors' URL")
