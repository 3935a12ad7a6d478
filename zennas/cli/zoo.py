"""List the model zoo: every network by name, with resolution, classes, published figures and computed costs.

::

    python -m zennas.cli.zoo                      # table of all networks
    python -m zennas.cli.zoo --family GENet       # one family
    python -m zennas.cli.zoo --json               # machine-readable list
    python -m zennas.cli.zoo --name GENet_large   # one entry: structure, published and computed costs

Published columns (top-1, params, FLOPs) are the sources' figures and are empty where the source gives
none; computed columns are this engine's analytic costs at the entry's resolution: ``zen_params`` /
``zen_flops`` / ``layers`` (ZEN formulas, ZENNAS_SPEC §2) and ``exact_params`` (PyTorch numel),
``exact_macs`` (true conv/FC MACs), ``mac`` (memory access cost, elements).  Nothing is downloaded;
weights load with ``zennas.zoo.load_pretrained`` / ``build_zoo_model(name, pretrained_path=...)``.
"""

from __future__ import annotations

import argparse
import json
import sys

from zennas.block import Block, Options
from zennas.costs import Costs, compute_costs
from zennas.zoo import ZOO, ZooEntry, get_zoo_entry


def unique_entries() -> list[ZooEntry]:
    """Zoo entries without alias duplicates, in registration order."""
    seen: set[int] = set()
    out = []
    for _, e in ZOO.items():
        if id(e) not in seen:
            seen.add(id(e))
            out.append(e)
    return out


def entry_aliases(e: ZooEntry) -> list[str]:
    return [n for n, v in ZOO.items() if v is e and n != e.name]


def entry_blocks(e: ZooEntry) -> list[Block]:
    """Parse an entry's structure in its dialect (``zen`` or ``genet``)."""
    if e.dialect == "genet":
        from zennas.genet import parse_genet

        return parse_genet(e.structure)
    from zennas.structure import parse

    return parse(e.structure)


def entry_options(e: ZooEntry) -> Options:
    o = Options(use_se=e.use_se)
    extra = {k: v for k, v in e.options.items() if k in ("use_ge", "identity_multiplier")}
    return o.evolve(**extra) if extra else o


def entry_costs(e: ZooEntry, resolution: int | None = None) -> Costs:
    return compute_costs(entry_blocks(e), resolution or e.resolution, e.num_classes, opts=entry_options(e))


def entry_record(e: ZooEntry, *, costs: bool = True, structure: bool = False) -> dict:
    rec = {
        "name": e.name, "aliases": entry_aliases(e), "family": e.family, "dialect": e.dialect,
        "resolution": e.resolution, "num_classes": e.num_classes, "use_se": e.use_se, "crop": e.crop,
        "published_top1": e.top1, "published_params": e.published_params, "published_flops": e.published_flops,
        "source": e.source,
    }
    if structure:
        rec["structure"] = e.structure
    if costs:
        c = entry_costs(e)
        rec.update(zen_params=c.params, zen_flops=c.flops, layers=c.layers, exact_params=c.exact_params,
                   exact_macs=c.exact_macs, mac=c.mac, peak=c.peak)
    return rec


def _fmt_num(v, scale: float, unit: str) -> str:
    if v is None:
        return "-"
    return f"{v / scale:.2f}{unit}"


def format_table(records: list[dict]) -> str:
    cols = [("name", 44), ("family", 12), ("res", 4), ("cls", 5), ("top1", 6), ("pub_params", 10),
            ("pub_flops", 9), ("zen_params", 10), ("zen_flops", 9), ("exact_params", 12), ("layers", 6)]
    lines = ["  ".join(n.ljust(w) if i < 2 else n.rjust(w) for i, (n, w) in enumerate(cols))]
    for r in records:
        vals = [
            r["name"] + (f" ({', '.join(r['aliases'])})" if r["aliases"] else ""),
            r["family"], str(r["resolution"]), str(r["num_classes"]),
            "-" if r["published_top1"] is None else f"{r['published_top1']:.2f}",
            _fmt_num(r["published_params"], 1e6, "M"), _fmt_num(r["published_flops"], 1e6, "M"),
            _fmt_num(r.get("zen_params"), 1e6, "M"), _fmt_num(r.get("zen_flops"), 1e6, "M"),
            _fmt_num(r.get("exact_params"), 1e6, "M"), str(r.get("layers", "-")),
        ]
        lines.append("  ".join(v.ljust(w) if i < 2 else v.rjust(w) for i, (v, (_, w)) in enumerate(zip(vals, cols))))
    return "\n".join(lines)


def list_blocks(as_json: bool = False) -> int:
    """Every registered structure token (ZEN dialect): name, argument list, defining module."""
    import PlainNet

    rows = []
    for name, cls in PlainNet.BLOCKS.items():
        args = ",".join(a.name for a in cls.ARGS) if cls.KIND == "leaf" else {
            "res": "[in,][stride,]blocks...", "multi": "branch;branch...", "seq": "blocks..."}[cls.KIND]
        rows.append({"name": name, "args": args, "module": PlainNet.BLOCKS.module_of(name),
                     "super": cls.IS_SUPER})
    if as_json:
        print(json.dumps(rows))
    else:
        w = max(len(r["name"]) for r in rows)
        for r in rows:
            print(f"{r['name']:<{w}}  ({r['args']})  {r['module']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m zennas.cli.zoo", description=__doc__.split("\n")[0])
    p.add_argument("--name", help="show one entry (name or alias) with its structure and computed costs")
    p.add_argument("--family", help="only entries of this family (case-insensitive)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--no_costs", action="store_true", help="skip the computed cost columns")
    p.add_argument("--blocks", action="store_true", help="list the registered block tokens instead")
    args = p.parse_args(argv)
    if args.blocks:
        return list_blocks(args.json)

    if args.name:
        from zennas.registry import RegistryError

        try:
            e = get_zoo_entry(args.name)
        except RegistryError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        rec = entry_record(e, costs=True, structure=True)
        if args.json:
            print(json.dumps(rec, indent=1))
        else:
            for k, v in rec.items():
                print(f"{k:>17}: {v}")
        return 0

    entries = unique_entries()
    if args.family:
        entries = [e for e in entries if e.family.lower() == args.family.lower()]
    records = [entry_record(e, costs=not args.no_costs) for e in entries]
    if args.json:
        print(json.dumps(records, indent=1))
    else:
        print(format_table(records))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
