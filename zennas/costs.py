"""Network costs from the parsed structure alone (no tensors): params, FLOPs, layers, MAC.

Two modes live side by side in one :class:`Costs` record (ZENNAS_SPEC §2.5):

* ``zen`` - ``params``, ``flops``, ``layers``: the original ZEN counters bit for bit (the published
  budgets depend on them; e.g. the 400M-FLOPs ZenNet sits at 399,976,216).  FLOPs = conv/FC MACs +
  one op per BN/Swish output element; params count BN as 1/channel and the FC bias as 1; stride-2
  projections are under-counted 4x; layers = sum of super-block sub_layers (plain convs count 1).
* ``exact`` - ``exact_params`` = ``sum(p.numel())`` of the built module; ``exact_macs`` = true
  conv/linear multiply-accumulates (one MAC = one multiply + one add, no factor 2) at true output
  sizes.
* ``mac`` - memory access cost in elements (ShuffleNet V2; see :class:`zennas.block.Cost`), the
  MasterNet head included (global pooling reads C*H^2 and writes C; the FC reads C, its weights and
  bias and writes num_classes).  ``peak`` - largest input+output activation of any op.

Every budget states which field it uses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

from zennas.block import Block, Cost, Options, chain_cost
from zennas.blocks.basic import Linear
from zennas.structure import parse

BlocksLike = str | Sequence[Block]


@dataclass(frozen=True)
class Costs:
    """Totals of a network (blocks + global pooling + biased FC head) at ``resolution``."""

    params: float
    flops: float
    layers: int
    exact_params: int
    exact_macs: int
    mac: int
    peak: int
    resolution: int
    num_classes: int

    def as_dict(self) -> dict:
        return asdict(self)


def _blocks(structure: BlocksLike) -> list[Block]:
    return parse(structure) if isinstance(structure, str) else list(structure)


def make_options(opts: Options | None = None, **flags) -> Options:
    base = opts or Options()
    return base.evolve(**{k: v for k, v in flags.items() if v is not None}) if flags else base


def head_cost(channels: int, h: int, num_classes: int) -> Cost:
    """Global average pooling + flatten + Linear(channels, num_classes, bias=True)."""
    pool = Cost(mac=channels * h * h + channels, peak=channels * h * h + channels)
    return pool + Linear(channels, num_classes, 1).cost(1)


def compute_costs(structure: BlocksLike, resolution: int, num_classes: int = 1000, *,
                  no_reslink: bool | None = None, use_se: bool | None = None, no_BN: bool | None = None,
                  opts: Options | None = None) -> Costs:
    """Costs of ``structure`` (string or parsed blocks) with a ``num_classes`` FC head.

    Milliseconds per structure: block costs are memoised on (block, resolution, options).
    """
    o = make_options(opts, no_reslink=no_reslink, use_se=use_se, no_BN=no_BN)
    blocks = _blocks(structure)
    body, h, he = chain_cost(blocks, resolution, resolution, o)
    total = body + head_cost(blocks[-1].out_channels, he, num_classes) if num_classes else body
    return Costs(
        params=total.params,
        flops=total.flops,
        layers=sum(b.num_layers() for b in blocks),
        exact_params=total.exact_params,
        exact_macs=total.exact_macs,
        mac=total.mac,
        peak=total.peak,
        resolution=resolution,
        num_classes=num_classes,
    )


def block_table(structure: BlocksLike, resolution: int, num_classes: int = 1000, *,
                opts: Options | None = None) -> list[dict]:
    """One row per top-level block (and the head): shapes and every cost field."""
    o = opts or Options()
    rows = []
    h = he = resolution
    for i, b in enumerate(_blocks(structure)):
        c = b.cost(h, o, he)
        ho, hoe = b.out_res(h), b.out_res_exact(he)
        rows.append({"index": i, "block": str(b), "name": b.NAME, "in": b.in_channels, "out": b.out_channels,
                     "res_in": he, "res_out": hoe, "layers": b.num_layers(), **c.as_dict()})
        h, he = ho, hoe
    if num_classes:
        last = rows[-1]["out"]
        c = head_cost(last, he, num_classes)
        rows.append({"index": len(rows), "block": f"GAP+Linear({last},{num_classes},1)", "name": "head",
                     "in": last, "out": num_classes, "res_in": he, "res_out": 1, "layers": 0, **c.as_dict()})
    return rows
