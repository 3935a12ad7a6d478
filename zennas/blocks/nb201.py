"""NAS-Bench-201 blocks (Dong & Yang, ICLR 2020, arXiv 2001.00326): the searched cell and the fixed
reduction block, as structure-string tokens.

With them a whole NB201 network is an ordinary structure string, so costs, MasterNet, every proxy,
``analyze_model.py``, training and the evolutionary search work on it unchanged::

    ConvKX(3,16,3,1)BN(16)            stem: 3x3 conv (no bias) + BN, no ReLU
    NB201Cell(16,o..)  x 5            stage 1 (32x32 on CIFAR)
    NB201Reduce(16,32)                residual basic block, stride 2
    NB201Cell(32,o..)  x 5            stage 2
    NB201Reduce(32,64)
    NB201Cell(64,o..)  x 5            stage 3
    BN(64)RELU(64)                    head; MasterNet adds global average pooling + biased FC

``zennas/spaces/nb201.py`` converts between the benchmark's cell strings
(``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``) and these structure strings.

Tokens (all integer arguments, as the grammar requires):

* ``NB201Cell(c, e10, e20, e21, e30, e31, e32)`` -- a 4-node DAG; ``eji`` is the op code on edge i -> j,
  listed in the order of the cell string. Codes: 0 ``none`` (zeros), 1 ``skip_connect`` (identity),
  2 ``nor_conv_1x1``, 3 ``nor_conv_3x3`` (ReLU -> conv, no bias -> BN), 4 ``avg_pool_3x3`` (stride 1,
  padding 1, padded zeros excluded from the average). Node j = sum of its incoming edges (a node
  without a non-``none`` edge is zero); the output is node 3. Channels and resolution are preserved.
* ``NB201Reduce(in, out)`` -- ReLU-conv3x3(s2)-BN, ReLU-conv3x3-BN, plus the shortcut 2x2 average
  pool (stride 2) -> 1x1 conv (no bias, no BN); no activation after the sum. Stride 2 always.

Parameters (exact, = ``sum(numel)``): conv op 2: c^2 + 2c, op 3: 9c^2 + 2c; reduction
9*in*out + 9*out^2 + 4*out + in*out. The NB201 CIFAR-10 frame (stem + both reductions + final BN + FC)
is 73,306 parameters; tests check every cell of ``tests/data/nb201_sample200.csv``.

Flags: ``no_BN`` omits the BNs inside the cells and the reduction block; ``no_reslink`` and ``use_se``
are ignored -- ``skip_connect`` is a searched op and the reduction shortcut is part of the fixed
skeleton, so a Zen-style "no residual link" network would be a different NB201 cell. BN eps follows
``Options.bn_eps`` (MasterNet: 1e-3; the benchmark used PyTorch's 1e-5: no effect on counts).
"""

from __future__ import annotations

from typing import ClassVar

from zennas.block import Arg, Block, Cost, Options
from zennas.blocks.basic import BN, RELU, ConvKX
from zennas.blocks.registry import register_block

#: NB201 operation names, indexed by the op code used in ``NB201Cell`` tokens (NB201's own order)
OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
#: (target node, source node) of each edge, in the argument / cell-string order
EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
_CONV_K = {2: 1, 3: 3}


def _relu_conv_bn(cin: int, cout: int, k: int, s: int, opts: Options) -> list[Block]:
    """The ReLUConvBN op as basic blocks (used for costs; the module is built in ``_build``)."""
    return [RELU(cin), ConvKX(cin, cout, k, s)] + ([] if opts.no_BN else [BN(cout)])


def _chain(blocks: list[Block], h: int, he: int, opts: Options) -> Cost:
    total = Cost()
    for b in blocks:
        total = total + b.cost(h, opts, he)
        h, he = b.out_res(h), b.out_res_exact(he)
    return total


def _pool_cost(c: int, hi: int, ho: int) -> Cost:
    """Average pooling: no FLOPs (ZEN convention), reads its input and writes its output."""
    return Cost(mac=c * hi * hi + c * ho * ho, peak=c * hi * hi + c * ho * ho)


def _add_cost(c: int, h: int) -> Cost:
    """One element-wise addition of two C x H x H maps: MAC 3*C*H^2 (read 2, write 1)."""
    return Cost(mac=3 * c * h * h, peak=3 * c * h * h)


@register_block
class NB201Cell(Block):
    """NAS-Bench-201 cell ``NB201Cell(c, e10, e20, e21, e30, e31, e32)`` (see the module docstring)."""

    NAME = "NB201Cell"
    ARGS = (Arg("c"),) + tuple(Arg(f"e{j}{i}", min=0, doc=f"op code of edge {i}->{j}") for j, i in EDGES)
    EXAMPLE = "NB201Cell(16,3,3,2,1,4,3)"
    LAYER_WEIGHT = 1  # one NB201 "layer" per cell (the benchmark's 17 = 15 cells + 2 reductions)

    def validate(self) -> None:
        bad = [(a.name, v) for a, v in zip(self.ARGS[1:], self.args[1:]) if v >= len(OPS)]
        if bad:
            raise ValueError(f"NB201Cell: op codes must be 0..{len(OPS) - 1} ({', '.join(OPS)}), got {bad}")

    @property
    def ops(self) -> tuple[int, ...]:
        return tuple(self.args[1:])

    def out_res(self, h: int) -> int:
        return h

    def out_res_exact(self, h: int) -> int:
        return h

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        c = self.args[0]
        total = Cost()
        incoming = {1: 0, 2: 0, 3: 0}
        for (j, _i), op in zip(EDGES, self.ops):
            if op in _CONV_K:
                total = total + _chain(_relu_conv_bn(c, c, _CONV_K[op], 1, opts), h, he, opts)
            elif op == 4:
                total = total + _pool_cost(c, he, he)
            if op:
                incoming[j] += 1
        for n in incoming.values():
            for _ in range(max(0, n - 1)):
                total = total + _add_cost(c, he)
        return total

    def _build(self, opts: Options):
        from zennas.nb201_modules import NB201CellModule

        c = self.args[0]
        return NB201CellModule([_op_module(op, c, opts) for op in self.ops], EDGES)


@register_block
class NB201Reduce(Block):
    """NAS-Bench-201 reduction ``NB201Reduce(in, out)``: residual basic block, stride 2 (module docstring)."""

    NAME = "NB201Reduce"
    ARGS = (Arg("in"), Arg("out"))
    EXAMPLE = "NB201Reduce(16,32)"
    LAYER_WEIGHT = 1
    STRIDE: ClassVar[int] = 2

    @property
    def stride(self) -> int:
        return self.STRIDE

    def out_res_exact(self, h: int) -> int:
        return h // 2  # the 2x2 pool floors; the 3x3 stride-2 conv agrees on even sizes (checked in forward)

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        cin, cout = self.args
        main = _relu_conv_bn(cin, cout, 3, 2, opts) + _relu_conv_bn(cout, cout, 3, 1, opts)
        total = _chain(main, h, he, opts)
        total = total + _pool_cost(cin, he, he // 2)
        total = total + ConvKX(cin, cout, 1, 1).cost(h // 2, opts, he // 2)
        return total + _add_cost(cout, he // 2)

    def _build(self, opts: Options):
        from torch import nn

        from zennas.nb201_modules import NB201ReduceModule

        cin, cout = self.args
        main = nn.Sequential(_relu_conv_bn_module(cin, cout, 3, 2, opts), _relu_conv_bn_module(cout, cout, 3, 1, opts))
        shortcut = nn.Sequential(nn.AvgPool2d(2, 2, 0), nn.Conv2d(cin, cout, 1, 1, 0, bias=False))
        return NB201ReduceModule(main, shortcut)


def _relu_conv_bn_module(cin: int, cout: int, k: int, s: int, opts: Options):
    from torch import nn

    layers = [nn.ReLU(), nn.Conv2d(cin, cout, k, s, (k - 1) // 2, bias=False)]
    if not opts.no_BN:
        layers.append(nn.BatchNorm2d(cout, eps=opts.bn_eps))
    return nn.Sequential(*layers)


def _op_module(op: int, c: int, opts: Options):
    from torch import nn

    if op == 0:
        return None
    if op == 1:
        return nn.Identity()
    if op in _CONV_K:
        return _relu_conv_bn_module(c, c, _CONV_K[op], 1, opts)
    return nn.AvgPool2d(3, 1, 1, count_include_pad=False)


__all__ = ["EDGES", "OPS", "NB201Cell", "NB201Reduce"]
