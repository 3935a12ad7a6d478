"""ZEN containers: ResBlock, ResBlockProj, MultiSumBlock, MultiCatBlock, Sequential (ZENNAS_SPEC §1.2)."""

from __future__ import annotations

from typing import ClassVar, Sequence

from zennas.block import Block, Cost, Options, _cached_res, chain_cost, conv_out
from zennas.blocks.registry import register_block


def _chain_out(blocks: Sequence[Block], h: int, exact: bool = False) -> int:
    for b in blocks:
        h = b.out_res_exact(h) if exact else b.out_res(h)
    return h


@register_block
class ResBlock(Block):
    """``inner(x) + shortcut(x)``.  Shortcut = 1x1 conv (bias) + BN iff stride > 1 or in != out.

    Body: optional ``in,`` and ``stride,`` then inner blocks.  ``in`` defaults to the first inner
    block's input, stride to 1024 // (inner output resolution of a 1024 input).
    ZEN cost of the projection: FLOPs (in*out + out)*(H_o/s)^2 (H_o = inner output resolution, so a
    stride-2 projection is under-counted 4x), params in*out + out.  Exact: 1x1 conv with bias + BN
    (in*out + 3*out params), MACs in*out*H_o^2.  No activation after the addition.
    """

    NAME = "ResBlock"
    KIND = "res"
    EXAMPLE = "ResBlock(16,2,ConvKX(16,32,3,2)BN(32)RELU(32)ConvKX(32,32,3,1)BN(32))"
    ALWAYS_PROJECT: ClassVar[bool] = False

    def __init__(self, in_channels: int | None = None, stride: int | None = None, *,
                 children: Sequence[Block] = (), label: str | None = None):
        if not children:
            raise ValueError(f"{self.NAME} needs at least one inner block")
        cin = children[0].in_channels if in_channels is None else int(in_channels)
        if stride is None:
            out = _chain_out(children, 1024)
            if out <= 0:
                raise ValueError(f"{self.NAME}: inner blocks reduce the resolution to 0")
            stride = 1024 // out
        if cin < 1 or stride < 1:
            raise ValueError(f"{self.NAME}: in channels and stride must be >= 1")
        super().__init__(cin, int(stride), children=children, label=label)

    def body_str(self) -> str:
        return f"{self.args[0]},{self.args[1]}," + "".join(str(c) for c in self.children)

    def replace(self, **changes) -> Block:
        cin = changes.pop("in", self.args[0])
        s = changes.pop("s", self.args[1])
        children = changes.pop("children", self.children)
        if changes:
            raise TypeError(f"{self.NAME} has no arguments {sorted(changes)}")
        return type(self)(cin, s, children=children, label=self.label)

    def with_in_channels(self, c: int) -> Block:
        first = self.children[0].with_in_channels(c)
        return self.replace(**{"in": c, "children": (first, *self.children[1:])})

    @property
    def in_channels(self) -> int:
        return self.args[0]

    @property
    def out_channels(self) -> int:
        return self.children[-1].out_channels

    @property
    def stride(self) -> int:
        return self.args[1]

    @property
    def has_projection(self) -> bool:
        return self.ALWAYS_PROJECT or self.stride > 1 or self.in_channels != self.out_channels

    def out_res(self, h: int) -> int:
        return _cached_res(self, h, False)

    def out_res_exact(self, h: int) -> int:
        return _cached_res(self, h, True)

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        inner, ho, hoe = chain_cost(self.children, h, he, opts)
        cin, cout, s = self.in_channels, self.out_channels, self.stride
        extra = Cost(mac=3 * cout * hoe * hoe)
        if self.has_projection:
            hp = conv_out(he, 1, s, 0)
            extra = extra + Cost(
                params=cin * cout + cout,
                flops=(cin * cout + cout) * (ho / s) ** 2,
                exact_params=cin * cout + 3 * cout,
                exact_macs=cin * cout * hp * hp,
                mac=cin * he * he + cout * hp * hp + cin * cout + cout,
                peak=cin * he * he + cout * hp * hp,
            )
        return inner + extra

    def _build(self, opts: Options):
        from torch import nn

        from zennas.modules import ResidualBlock

        proj = None
        if self.has_projection:
            proj = nn.Sequential(
                nn.Conv2d(self.in_channels, self.out_channels, 1, self.stride, 0, bias=True),
                nn.BatchNorm2d(self.out_channels, eps=opts.bn_eps),
            )
        return ResidualBlock([c.build(opts) for c in self.children], proj)


@register_block
class ResBlockProj(ResBlock):
    """ResBlock whose 1x1-conv + BN projection is always present."""

    NAME = "ResBlockProj"
    EXAMPLE = "ResBlockProj(ConvKX(16,16,3,1)BN(16))"
    ALWAYS_PROJECT = True


@register_block
class Sequential(Block):
    """Inner blocks applied in order (ZEN's own parser could not read it; ours can)."""

    NAME = "Sequential"
    KIND = "seq"
    EXAMPLE = "Sequential(ConvKX(16,24,1,1)BN(24)RELU(24))"

    def __init__(self, *, children: Sequence[Block] = (), label: str | None = None):
        if not children:
            raise ValueError("Sequential needs at least one inner block")
        super().__init__(children=children, label=label)

    def body_str(self) -> str:
        return "".join(str(c) for c in self.children)

    @property
    def in_channels(self) -> int:
        return self.children[0].in_channels

    @property
    def out_channels(self) -> int:
        return self.children[-1].out_channels

    @property
    def stride(self) -> int:
        return 1024 // max(1, _chain_out(self.children, 1024))

    def with_in_channels(self, c: int) -> Block:
        return type(self)(children=(self.children[0].with_in_channels(c), *self.children[1:]), label=self.label)

    def out_res(self, h: int) -> int:
        return _cached_res(self, h, False)

    def out_res_exact(self, h: int) -> int:
        return _cached_res(self, h, True)

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        return chain_cost(self.children, h, he, opts)[0]

    def _build(self, opts: Options):
        from zennas.modules import SequentialBlock

        return SequentialBlock([c.build(opts) for c in self.children])


@register_block
class MultiSumBlock(Block):
    """Branches (separated by ``;``) see the same input; outputs are summed.

    in = max of branch inputs, out = max of branch outputs; every branch must give the same
    resolution.  MAC adds 3*C*H^2 per addition.
    """

    NAME = "MultiSumBlock"
    KIND = "multi"
    #: outputs are added, so the branches must give equal widths (checked by the parser)
    SUM_BRANCHES: ClassVar[bool] = True
    EXAMPLE = "MultiSumBlock(ConvKX(16,24,3,2)BN(24);ConvDW(16,5,2)ConvKX(16,24,1,1))"

    def __init__(self, *, children: Sequence[Sequence[Block]] = (), label: str | None = None):
        branches = tuple(tuple(b) for b in children)
        if not branches or any(not b for b in branches):
            raise ValueError(f"{self.NAME} needs non-empty branches")
        res = {_chain_out(b, 1024) for b in branches}
        if len(res) > 1:
            raise ValueError(f"{self.NAME}: branches give different resolutions (for a 1024 input: {sorted(res)})")
        super().__init__(children=branches, label=label)

    def body_str(self) -> str:
        return ";".join("".join(str(c) for c in br) for br in self.children)

    @property
    def in_channels(self) -> int:
        return max(br[0].in_channels for br in self.children)

    @property
    def out_channels(self) -> int:
        return max(br[-1].out_channels for br in self.children)

    @property
    def stride(self) -> int:
        return 1024 // max(1, _chain_out(self.children[0], 1024))

    def with_in_channels(self, c: int) -> Block:
        new = tuple((br[0].with_in_channels(c), *br[1:]) for br in self.children)
        return type(self)(children=new, label=self.label)

    def iter_children(self):
        for br in self.children:
            yield from br

    def out_res(self, h: int) -> int:
        return _chain_out(self.children[0], h)

    def out_res_exact(self, h: int) -> int:
        return _chain_out(self.children[0], h, exact=True)

    def _merge_cost(self, he: int, opts: Options) -> Cost:
        ho = self.out_res_exact(he)
        return Cost(mac=3 * self.out_channels * ho * ho * (len(self.children) - 1))

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        total = Cost()
        for br in self.children:
            total = total + chain_cost(br, h, he, opts)[0]
        return total + self._merge_cost(he, opts)

    def _branch_modules(self, opts: Options):
        from zennas.modules import SequentialBlock

        mods = []
        for br in self.children:
            mods.append(br[0].build(opts) if len(br) == 1 else SequentialBlock([b.build(opts) for b in br]))
        return mods

    def _build(self, opts: Options):
        from zennas.modules import MultiSum

        return MultiSum(self._branch_modules(opts))


@register_block
class MultiCatBlock(MultiSumBlock):
    """Branches see the same input; outputs are concatenated (out = sum of branch outputs)."""

    NAME = "MultiCatBlock"
    SUM_BRANCHES = False
    EXAMPLE = "MultiCatBlock(ConvKX(16,8,3,1);MaxPool(16,3,1)ConvKX(16,24,1,1))"

    @property
    def out_channels(self) -> int:
        return sum(br[-1].out_channels for br in self.children)

    def _merge_cost(self, he: int, opts: Options) -> Cost:
        ho = self.out_res_exact(he)
        return Cost(mac=2 * self.out_channels * ho * ho if opts.mac_unfused else 0)

    def _build(self, opts: Options):
        from zennas.modules import MultiCat

        return MultiCat(self._branch_modules(opts))
