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

Every budget states which field it uses.  Inputs are checked first: the structure by the parser's
network rules (:func:`zennas.structure.check_structure` for blocks built in code), the resolution in
[1, :data:`MAX_RESOLUTION`], ``num_classes`` in [0, :data:`~zennas.block.MAX_ARG`] (0: no head); a block
that cannot be costed is a :class:`~zennas.structure.StructureParseError` naming it.
"""

from __future__ import annotations

import operator
from dataclasses import asdict, dataclass
from typing import Sequence

from zennas.block import MAX_ARG, Block, Cost, Options, chain_cost
from zennas.blocks.basic import Linear
from zennas.structure import StructureParseError, block_error, check_structure, parse

BlocksLike = str | Sequence[Block]
#: largest input resolution the cost model accepts (pixels per side)
MAX_RESOLUTION = 16_384


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
    if isinstance(structure, str):
        return parse(structure)
    blocks = list(structure)
    if not blocks:
        raise StructureParseError("empty structure: expected at least one block")
    check_structure(blocks)
    return blocks


def check_size(value, what: str, lo: int, hi: int) -> int:
    """``value`` as an int in [lo, hi] (ValueError naming ``what`` otherwise)."""
    try:
        v = operator.index(value)
    except TypeError:
        raise ValueError(f"{what} must be an integer, got {value!r}") from None
    if not lo <= v <= hi:
        raise ValueError(f"{what} must be in [{lo}, {hi:,}], got {v}")
    return v


def _chain(blocks: list[Block], resolution: int, o: Options) -> tuple[Cost, int, int]:
    """chain_cost, with a block that cannot be costed reported as a StructureParseError naming it."""
    try:
        return chain_cost(blocks, resolution, resolution, o)
    except StructureParseError:
        raise
    except (ValueError, ArithmeticError, TypeError) as exc:
        h = resolution
        for i, b in enumerate(blocks):  # find the block (error path only)
            try:
                b.cost(h, o)
            except (ValueError, ArithmeticError, TypeError):
                raise block_error(blocks, i, f"cannot compute the costs of {b.NAME} at resolution {h}: {exc}") from None
            h = b.out_res(h)
        raise block_error(blocks, 0, f"cannot compute the costs: {exc}") from None


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
    resolution = check_size(resolution, "resolution", 1, MAX_RESOLUTION)
    num_classes = check_size(num_classes, "num_classes", 0, MAX_ARG)
    blocks = _blocks(structure)
    body, h, he = _chain(blocks, resolution, o)
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
    h = he = check_size(resolution, "resolution", 1, MAX_RESOLUTION)
    num_classes = check_size(num_classes, "num_classes", 0, MAX_ARG)
    blocks = _blocks(structure)
    _chain(blocks, h, o)
    for i, b in enumerate(blocks):
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
