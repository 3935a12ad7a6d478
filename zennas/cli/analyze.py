"""``analyze_model.py``: per-block costs and totals of a structure, a structure file or a zoo network.

Columns: zen-mode params/FLOPs (the original counters, what budgets use), exact params (true numel),
exact MACs (true conv/linear multiply-accumulates), MAC (memory access cost, elements) and, unless
``--no_ptflops``, ptflops' MAC count of the built block (ptflops also counts BN/activation/pool
element-wise work, like the original analyze_model.py).  The table is :mod:`zennas.analysis`.
"""

from __future__ import annotations

import argparse
import json
import sys

from zennas.analysis import analyze, format_table
from zennas.cli.common import add_model_args, nets_from_args, setup_logging
from zennas.cli.errors import ArgumentParser, cli_errors, one_line


@cli_errors
def main(argv: list[str] | None = None) -> int:
    p = ArgumentParser(prog="analyze_model.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_args(p)
    p.add_argument("--json", action="store_true", help="one JSON object per structure (no per-block rows unless --blocks)")
    p.add_argument("--blocks", action="store_true", help="with --json: include the per-block rows")
    p.add_argument("--no_ptflops", action="store_true", help="skip the ptflops cross-check (no module is built)")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)
    setup_logging(args.verbose or args.debug)
    status = 0
    for net in nets_from_args(args):
        try:
            r = analyze(net, with_ptflops=not args.no_ptflops)
        except ValueError as e:  # StructureParseError, bad sizes: one bad line of a file is reported, the rest go on
            if args.debug:
                raise
            print(f"error: {net.name}: {one_line(e)}", file=sys.stderr)
            status = 2
            continue
        if args.json:
            if not args.blocks:
                r.pop("blocks")
            print(json.dumps(r), flush=True)
        else:
            print(format_table(r))
    return status


if __name__ == "__main__":
    sys.exit(main())
