"""Per-block costs and totals of a network (what ``analyze_model.py`` prints).

Columns: zen-mode params/FLOPs (the original counters, what budgets use), exact params (true numel),
exact MACs (true conv/linear multiply-accumulates), MAC (memory access cost, elements) and, when
ptflops is installed and asked for, ptflops' MAC count of each built block (ptflops also counts
BN/activation/pool element-wise work, like the original analyze_model.py).
"""

from __future__ import annotations

import logging

from zennas.block import Options
from zennas.costs import block_table, compute_costs
from zennas.netspec import NetSpec

logger = logging.getLogger("analyze_model")


def ptflops_per_block(net: NetSpec, opts: Options) -> list[float] | None:
    """ptflops MACs of each top-level block (built alone) and of the head; None if ptflops is missing."""
    try:
        from ptflops import get_model_complexity_info
    except ImportError:  # optional cross-check
        logger.warning("ptflops not installed: cross-check column skipped")
        return None
    import contextlib
    import io

    import torch

    from zennas.masternet import MasterNet

    model = MasterNet(net.blocks(), net.num_classes, opts=opts).eval()
    head = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), model.fc_linear)
    out: list[float] = []
    ch, res = 3, net.resolution
    with torch.no_grad():
        x = torch.zeros(1, ch, res, res)
        for i, m in enumerate([*model.module_list, head]):
            spew = io.StringIO()  # ptflops prints its own failures; they become one warning here
            with contextlib.redirect_stdout(spew), contextlib.redirect_stderr(spew):
                macs, _ = get_model_complexity_info(m, tuple(x.shape[1:]), as_strings=False,
                                                    print_per_layer_stat=False, verbose=False)
            if macs is None:
                last = spew.getvalue().strip().splitlines()[-1:] or ["no reason given"]
                logger.warning("ptflops could not count block %d (%s): cross-check column skipped", i, last[0])
                return None
            out.append(float(macs))
            if i < len(model.module_list):
                x = m(x)
    return out


def analyze(net: NetSpec, *, with_ptflops: bool = True) -> dict:
    opts = Options(no_reslink=net.no_reslink, no_BN=net.no_BN, use_se=net.use_se)
    blocks = net.blocks()
    rows = block_table(blocks, net.resolution, net.num_classes, opts=opts)
    c = compute_costs(blocks, net.resolution, net.num_classes, opts=opts)
    result = {"name": net.name, "structure": net.structure, "resolution": net.resolution,
              "num_classes": net.num_classes, "use_se": net.use_se, "no_reslink": net.no_reslink,
              "no_BN": net.no_BN, **c.as_dict(), "blocks": rows}
    if with_ptflops:
        pt = ptflops_per_block(net, opts)
        if pt is not None:
            for r, v in zip(rows, pt):
                r["ptflops_macs"] = v
            result["ptflops_macs"] = sum(pt)
    return result


def _fmt(v: float) -> str:
    v = float(v)
    for unit, div in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(v) >= div:
            return f"{v / div:.3f}{unit}"
    return f"{v:g}"


def format_table(r: dict) -> str:
    has_pt = "ptflops_macs" in r
    head = ["#", "block", "in", "out", "res", "params", "FLOPs", "exact_params", "exact_MACs", "MAC"]
    if has_pt:
        head.append("ptflops")
    lines = [head]
    for b in r["blocks"]:
        name = b["block"] if len(b["block"]) <= 44 else b["block"][:41] + "..."
        row = [str(b["index"]), name, str(b["in"]), str(b["out"]), f"{b['res_in']}->{b['res_out']}",
               _fmt(b["params"]), _fmt(b["flops"]), _fmt(b["exact_params"]), _fmt(b["exact_macs"]), _fmt(b["mac"])]
        if has_pt:
            row.append(_fmt(b.get("ptflops_macs", 0)))
        lines.append(row)
    tot = ["", "TOTAL", "", "", "", _fmt(r["params"]), _fmt(r["flops"]), _fmt(r["exact_params"]),
           _fmt(r["exact_macs"]), _fmt(r["mac"])]
    if has_pt:
        tot.append(_fmt(r["ptflops_macs"]))
    lines.append(tot)
    widths = [max(len(x[i]) for x in lines) for i in range(len(head))]
    out = [f"== {r['name']}: resolution {r['resolution']}, {r['num_classes']} classes"
           f"{', SE' if r['use_se'] else ''}{', no_reslink' if r['no_reslink'] else ''}"]
    for i, x in enumerate(lines):
        out.append("  ".join(c.rjust(w) if j >= 2 else c.ljust(w) for j, (c, w) in enumerate(zip(x, widths))))
        if i == 0 or i == len(lines) - 2:
            out.append("  ".join("-" * w for w in widths))
    out.append(f"layers (sum of sub-layers): {r['layers']}; params (zen) {r['params']:,.0f}; FLOPs (zen) "
               f"{r['flops']:,.0f}; exact params {r['exact_params']:,}; exact MACs {r['exact_macs']:,}; "
               f"MAC {r['mac']:,} elements; peak activation {r['peak']:,} elements")
    return "\n".join(out)


__all__ = ["analyze", "format_table", "ptflops_per_block"]
