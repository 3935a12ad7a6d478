"""A structure as a sum of latency-table units (what one table entry times).

A super block ``T(in, out, s, B, L)`` runs its first sub-layer (reads ``in`` channels at the input
resolution, stride ``s``, projection shortcut) once and an identical *repeat* sub-layer
(``out -> out``, stride 1, identity shortcut) ``L - 1`` times at the output resolution.  So

    latency(T) = t(first: T(in,out,s,B,1) @ H) + (L - 1) * t(repeat: T(out,out,1,B,1) @ H/s)

and a network is the sum over its blocks plus the head (global average pool + FC, its own unit) plus a
per-network overhead (:mod:`zennas.latency.predictor`).  The sub-layers are slices of the block's own
expansion (the expansion of L sub-layers is L equal-length slices, the first being the expansion with
L = 1: checked once per family; a family where it fails, and any non-super token, is one ``block`` unit),
so a unit costs no new expansion.  Resolutions follow the true PyTorch sizes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

from zennas.block import DEFAULT_OPTIONS, Block, Options, chain_cost

if TYPE_CHECKING:
    from torch import nn

ROLES = ("first", "repeat", "block", "head")


@dataclass(frozen=True)
class Unit:
    """One table entry's subject: ``role``, canonical ``token``, input channels and input resolution.
    ``source`` (the block it comes from) and ``part`` (the blocks it runs) are caches, not identity."""

    role: str  # first | repeat | block | head
    token: str  # the L=1 token (first/repeat), the whole token (block), "GAP+FC(c,classes)" (head)
    in_channels: int
    resolution: int
    source: Block | None = field(default=None, compare=False, hash=False, repr=False)
    part: tuple[Block, ...] | None = field(default=None, compare=False, hash=False, repr=False)
    key: str = field(default="", init=False, compare=False, hash=False, repr=False)  # role:token@resolution

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", f"{self.role}:{self.token}@{self.resolution}")

    @classmethod
    def from_key(cls, key: str) -> "Unit":
        role, rest = key.split(":", 1)
        token, res = rest.rsplit("@", 1)
        return _from_key(role, token, int(res))

    def type_and_stride(self) -> tuple[str, int]:
        """(block type, stride) of the unit (the head: "GAP+FC", 1; a repeat sub-layer has stride 1)."""
        if self.role == "head":
            return "GAP+FC", 1
        b = self.source if self.source is not None else _parse_one(self.token)
        return b.NAME, 1 if self.role == "repeat" else b.stride


@functools.lru_cache(maxsize=200_000)
def _from_key(role: str, token: str, res: int) -> Unit:
    if role == "head":
        return Unit(role, token, int(token[token.index("(") + 1:].split(",")[0]), res)
    b = _parse_one(token)
    return Unit(role, token, b.out_channels if role == "repeat" else b.in_channels, res, b)


@functools.lru_cache(maxsize=100_000)
def _parse_one(token: str) -> Block:
    from zennas.structure import parse

    (b,) = parse(token)
    return b


def _token(b: Block, **changes: int) -> str:
    """``str(b.replace(**changes))`` of an integer leaf block without building it."""
    return f"{b.NAME}({','.join(str(changes.get(a.name, v)) for a, v in zip(type(b).ARGS, b.args))})"


def _has_sublayers(b: Block) -> bool:
    names = [a.name for a in getattr(type(b), "ARGS", ())]
    return bool(b.IS_SUPER) and {"in", "out", "s", "L"} <= set(names)


_SLICES_OK: dict[tuple[type, Options], bool] = {}


def _sliceable(b: Block, opts: Options) -> bool:
    """Whether the family's expansion is L equal slices, the first = the expansion with L = 1."""
    key = (type(b), opts)
    if key not in _SLICES_OK:
        two, one = b.replace(L=2), b.replace(L=1)
        e2, e1 = two.expansion(opts), one.expansion(opts)
        _SLICES_OK[key] = len(e2) == 2 * len(e1) and list(e2[: len(e1)]) == list(e1)
    return _SLICES_OK[key]


@functools.lru_cache(maxsize=200_000)
def block_units(b: Block, h: int, c_in: int, opts: Options = DEFAULT_OPTIONS) -> tuple[tuple[Unit, int], ...]:
    """(unit, count) pairs of one block read at resolution ``h`` with ``c_in`` channels."""
    if _has_sublayers(b) and _sliceable(b, opts):
        L = int(b.arg("L"))
        e = tuple(b.expansion(opts))
        n = len(e) // L
        out = [(Unit("first", _token(b, L=1), b.in_channels, h, b, e[:n]), 1)]
        if L > 1:
            rep = _token(b, **{"in": b.out_channels, "s": 1, "L": 1})
            out.append((Unit("repeat", rep, b.out_channels, b.out_res_exact(h), b, e[n:2 * n]), L - 1))
        return tuple(out)
    try:
        c_in = b.in_channels
    except AttributeError:
        pass
    return ((Unit("block", str(b), c_in, h, b, (b,)), 1),)


def network_units(blocks: Sequence[Block], resolution: int, num_classes: int, *, in_channels: int = 3,
                  opts: Options = DEFAULT_OPTIONS) -> list[tuple[Unit, int]]:
    """The (unit, count) pairs of a MasterNet: every block's units in order, then the head."""
    out: list[tuple[Unit, int]] = []
    h, c = resolution, in_channels
    for b in blocks:
        out.extend(block_units(b, h, c, opts))
        h = b.out_res_exact(h)
        try:
            c = b.out_channels
        except AttributeError:
            pass
    out.append((head_unit(c, num_classes, h), 1))
    return out


def head_unit(channels: int, num_classes: int, resolution: int) -> Unit:
    return Unit("head", f"GAP+FC({channels},{num_classes})", channels, resolution)


def unit_blocks(unit: Unit, opts: Options = DEFAULT_OPTIONS) -> list[Block]:
    """The blocks a unit runs (the head: AdaptiveAvgPool(c,1) Flatten(c) Linear(c,classes,1), as MasterNet)."""
    if unit.part is not None:  # sliced by block_units under the options in use
        return list(unit.part)
    if unit.role == "head":
        from zennas.blocks.basic import AdaptiveAvgPool, Flatten, Linear

        c, n = (int(v) for v in unit.token[unit.token.index("(") + 1:-1].split(","))
        return [AdaptiveAvgPool(c, 1), Flatten(c), Linear(c, n, 1)]
    b = _parse_one(unit.token)
    if unit.role == "block":
        return [b]
    if not (_has_sublayers(b) and _sliceable(b, opts)):
        raise ValueError(f"{unit.key}: the family {b.NAME} has no sub-layer units")
    e = b.replace(L=2).expansion(opts)
    return list(e[: len(e) // 2] if unit.role == "first" else e[len(e) // 2:])


@functools.lru_cache(maxsize=200_000)
def unit_features(unit: Unit, opts: Options = DEFAULT_OPTIONS) -> tuple[float, float, float, float]:
    """(true MACs, memory access elements, weights, operators) of a unit at its resolution, per image.
    Operators: leaf blocks plus one combining operator per container (the dispatch count, roughly)."""
    blocks = unit_blocks(unit, opts)
    cost = chain_cost(blocks, unit.resolution, unit.resolution, opts)[0]
    return float(cost.exact_macs), float(cost.mac), float(cost.exact_params), float(sum(map(_ops, blocks)))


@functools.lru_cache(maxsize=200_000)
def unit_ops(unit: Unit, opts: Options = DEFAULT_OPTIONS) -> tuple[tuple[str, int, int], ...]:
    """The operators a unit runs, as (kind, true MACs, memory access elements) per image: every leaf
    block (kind = token name + kernel size + stride, e.g. ``ConvKXk3s2``, ``BN``) and what a container adds
    itself (``ResBlockProj:own``: its projection and the addition) = its cost minus its children's.  Memory of
    BN / activations (fused, 0, in the MAC count) is their unfused traffic 2 x output elements (eager mode)."""
    out: tuple[tuple[str, int, int], ...] = ()
    h = unit.resolution
    for b in unit_blocks(unit, opts):
        ops, h = _block_ops(b, h, opts)
        out += ops
    return out


@functools.lru_cache(maxsize=200_000)
def _block_ops(b: Block, h: int, opts: Options) -> tuple[tuple[tuple[str, int, int], ...], int]:
    """(operators, output resolution) of ``b`` read at resolution ``h`` (memoised: blocks recur across units)."""
    cost = b.cost(h, opts)  # the costs compute_costs already cached
    if not b.children:
        ho, mem = b.out_res_exact(h), cost.mac
        if not mem:  # fused into its producer in the MAC count; in eager PyTorch it reads and writes its output
            try:
                mem = 2 * b.out_channels * ho * ho
            except AttributeError:
                mem = 0
        return ((_kind(b), cost.exact_macs, mem),), ho
    out: tuple[tuple[str, int, int], ...] = ()
    macs, mem, hh = cost.exact_macs, cost.mac, h
    for child in b.children:
        branch, hb = (child if isinstance(child, tuple) else (child,)), (h if isinstance(child, tuple) else hh)
        for x in branch:
            c = x.cost(hb, opts)
            macs, mem = macs - c.exact_macs, mem - c.mac
            ops, hb = _block_ops(x, hb, opts)
            out += ops
        hh = hb
    return out + ((f"{b.NAME}:own", macs, mem),), b.out_res_exact(h)


@functools.lru_cache(maxsize=4096)
def _kind_of(name: str, k: int | None, stride: int) -> str:
    return name + (f"k{k}" if k is not None else "") + (f"s{stride}" if stride > 1 else "")


def _kind(b: Block) -> str:
    i = b._ARG_INDEX.get("k")
    return _kind_of(b.NAME, None if i is None else b.args[i], b.stride)


@functools.lru_cache(maxsize=200_000)
def _ops(b: Block) -> int:
    kids = list(b.iter_children())
    return 1 if not kids else 1 + sum(map(_ops, kids))


def build_unit(unit: Unit, opts: Options = DEFAULT_OPTIONS) -> "nn.Module":
    """The module a unit entry times."""
    from zennas.modules import SequentialBlock

    return SequentialBlock([b.build(opts) for b in unit_blocks(unit, opts)])


__all__ = ["ROLES", "Unit", "block_units", "build_unit", "head_unit", "network_units", "unit_blocks",
           "unit_features", "unit_ops"]
