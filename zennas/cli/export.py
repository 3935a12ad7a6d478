"""``export.py``: TorchScript and ONNX (optionally a torch.export ``.pt2``) of a trained network, BatchNorm
folded into the convolutions, each artefact checked against the torch model (max |logits difference|).

The network: a training checkpoint (``--weights``), a zoo name (``--arch``, published weights from the cache
directory or ``--pretrained PATH``) or ``--plainnet_struct[_txt]`` (+ ``--pretrained``).  Writes
``OUT.torchscript.pt``, ``OUT.onnx`` and ``OUT.json`` (parity report, pre-processing, class names).
Exits non-zero when an artefact differs from torch by more than ``--tol``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from zennas.cli.common import setup_logging
from zennas.cli.errors import ArgumentParser, cli_errors


@cli_errors
def main(argv: list[str] | None = None) -> int:
    from zennas.cli.source_args import add_source_args

    p = ArgumentParser(prog="export.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source_args(p)
    p.add_argument("--out", default=None, help="output prefix (default: beside --weights, else export/<arch>)")
    p.add_argument("--formats", default="torchscript,onnx", help="comma list of torchscript, onnx, pt2")
    p.add_argument("--no_fold_bn", action="store_true", help="keep BatchNorm layers")
    p.add_argument("--opset", type=int, default=None, help="ONNX opset (default: the exporter's)")
    p.add_argument("--tol", type=float, default=1e-4, help="max allowed |logits difference| (default 1e-4)")
    p.add_argument("--json", action="store_true", help="print the report as one JSON line")
    args = p.parse_args(argv)
    setup_logging(args.debug)
    from zennas.export import export_model
    from zennas.inference import load_from_args

    lm = load_from_args(args)
    out = args.out or (str(Path(args.weights).with_suffix("")) if args.weights else f"export/{lm.label}")
    s = lm.preprocess.input_image_size
    rep = export_model(lm.model, out, input_size=(3, s, s), formats=tuple(f for f in args.formats.split(",") if f),
                       fold_bn=not args.no_fold_bn, tol=args.tol, opset=args.opset,
                       metadata={"arch": lm.label, "model": lm.spec.to_dict(), "preprocess": lm.preprocess.to_dict()})
    if args.json:
        print(json.dumps(rep.to_dict()))
        return 0
    if not args.no_fold_bn:
        print(f"folded {rep.folded_bn} BatchNorm layers into convolutions ({rep.remaining_bn} left): "
              f"max |logits difference| {rep.max_abs_diff['bn_folded']:.2e}")
    for fmt, path in rep.files.items():
        print(f"{fmt}: {path}  max |logits difference| vs the torch model {rep.max_abs_diff[fmt]:.2e} (tol {rep.tol:g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
