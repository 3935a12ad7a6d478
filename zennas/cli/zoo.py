"""List the model zoo: every network by name, with resolution, classes, published figures and computed costs.

::

    python -m zennas.cli.zoo                      # table of all networks
    python -m zennas.cli.zoo --family GENet       # one family
    python -m zennas.cli.zoo --json               # machine-readable list
    python -m zennas.cli.zoo --name GENet_large   # one entry: structure, published and computed costs
    python -m zennas.cli.zoo --blocks             # every registered block token

Published columns (top-1, params, FLOPs) are the sources' figures and are empty where the source gives
none; computed columns are this engine's analytic costs at the entry's resolution: ``zen_params`` /
``zen_flops`` / ``layers`` (ZEN formulas, ZENNAS_SPEC §2) and ``exact_params`` (PyTorch numel),
``exact_macs`` (true conv/FC MACs), ``mac`` (memory access cost, elements).  Nothing is downloaded;
weights load with ``zennas.zoo.load_pretrained`` / ``build_zoo_model(name, pretrained_path=...)``.
"""

from __future__ import annotations

import json

from zennas.blocks.registry import describe_blocks
from zennas.cli.common import load_plugin_args
from zennas.cli.errors import ArgumentParser, UsageError, cli_errors, one_line
from zennas.registry import RegistryError
from zennas.zoo import entry_record, format_table, get_zoo_entry, list_zoo


@cli_errors
def main(argv: list[str] | None = None) -> int:
    p = ArgumentParser(prog="python -m zennas.cli.zoo", description=__doc__.split("\n")[0])
    p.add_argument("--name", help="show one entry (name or alias) with its structure and computed costs")
    p.add_argument("--family", help="only entries of this family (case-insensitive)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--no_costs", action="store_true", help="skip the computed cost columns")
    p.add_argument("--blocks", action="store_true", help="list the registered block tokens instead")
    p.add_argument("--plugins", nargs="+", default=[], help="plug-in files or folders to load first")
    args = p.parse_args(argv)
    load_plugin_args(args)
    if args.blocks:
        rows = describe_blocks()
        if args.json:
            print(json.dumps(rows))
        else:
            w = max(len(r["name"]) for r in rows)
            print("\n".join(f"{r['name']:<{w}}  ({r['args']})  {r['module']}" for r in rows))
        return 0
    if args.name:
        try:
            rec = entry_record(get_zoo_entry(args.name), costs=True, structure=True)
        except RegistryError as exc:
            raise UsageError(one_line(exc), "list the names with `python -m zennas.cli.zoo`") from None
        print(json.dumps(rec, indent=1) if args.json else "\n".join(f"{k:>17}: {v}" for k, v in rec.items()))
        return 0
    entries = list_zoo()
    if args.family:
        families = sorted({e.family for e in entries})
        entries = [e for e in entries if e.family.lower() == args.family.lower()]
        if not entries:
            raise UsageError(f"unknown --family {args.family!r}", f"known families: {', '.join(families)}")
    records = [entry_record(e, costs=not args.no_costs) for e in entries]
    print(json.dumps(records, indent=1) if args.json else format_table(records))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
