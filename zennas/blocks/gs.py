"""GS (ghost-shuffle) building bricks: the GS module and its basic tokens (ZENNAS_SPEC §9.3-9.6, PROPOSAL §9.5).

ZTE's GhostShuffle code (seed 003, "GSNet") is not public; this follows the specification's proposal.

Basic tokens registered here:

* ``Identity(c)`` -- passes its input through (zero cost); used as the "primary" branch of the GS concat.
* ``ChannelShuffle(c, g, out)`` -- ShuffleNet channel shuffle of c channels in g groups, then keep the
  first ``out`` channels.  MAC 2*out*H^2 (read + write of the kept channels; 0 with the
  ``fuse_shuffle`` option extra), no FLOPs/params.
* ``GSModule(in, out, k, s, d, act)`` -- the GS module GSM (ghost module with ratio 2 / GSConv with a
  configurable cheap kernel).  m = ceil(out / 2):
  primary ConvKX(in, m, k, s) BN(m) [RELU(m)]; cheap ConvDW(m, d, 1) BN(m) [RELU(m)] on the primary
  maps; concatenation [primary, cheap] (MultiCatBlock, MAC 0); 2-group channel shuffle (channel 2j =
  primary j, 2j+1 = cheap j); keep the first ``out`` channels.  ``act`` = 1 ReLU, 0 linear.
  Its costs are mechanically those of this expansion:
  zen FLOPs = in*m*k^2*Ho^2 + m*Ho^2 + m*d^2*Ho^2 + m*Ho^2, zen params = in*m*k^2 + m + m*d^2 + m;
  exact MACs = Ho^2*m*(in*k^2 + d^2), exact params = m*(in*k^2 + d^2) + 4m.

The GS super blocks built from them are in :mod:`zennas.blocks.gs_super`.
"""

from __future__ import annotations

import math

from zennas.block import Arg, Block, Cost, Options, chain_cost
from zennas.blocks.basic import RELU, ConvDW, ConvKX
from zennas.blocks.containers import MultiCatBlock
from zennas.blocks.registry import register_block
from zennas.blocks.super_blocks import bn

#: cheap depthwise kernel of the GS module (GSConv uses 5; GhostNet 3)
GS_CHEAP_KERNEL = 5


class CompositeBlock(Block):
    """A leaf token whose costs and module derive from a fixed list of basic blocks (``parts``).

    Like a super block, but it is an ordinary (non-``L``) token that can sit inside super-block
    expansions.  ``parts`` may depend on the options (``no_BN``).
    """

    LAYER_WEIGHT = 1

    def parts(self, opts: Options) -> list[Block]:
        raise NotImplementedError

    def out_res(self, h: int) -> int:
        for b in self.parts(Options()):
            h = b.out_res(h)
        return h

    def out_res_exact(self, h: int) -> int:
        for b in self.parts(Options()):
            h = b.out_res_exact(h)
        return h

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        return chain_cost(self.parts(opts), h, he, opts)[0]

    def _build(self, opts: Options):
        from zennas.modules import SequentialBlock

        return SequentialBlock([b.build(opts) for b in self.parts(opts)])


@register_block
class Identity(Block):
    """``Identity(c)``: output = input; no cost."""

    NAME = "Identity"
    ARGS = (Arg("c"),)
    EXAMPLE = "Identity(8)"

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        return Cost()

    def _build(self, opts: Options):
        from torch import nn

        return nn.Identity()


@register_block
class ChannelShuffle(Block):
    """``ChannelShuffle(c, g, out)``: shuffle c channels in g groups, keep the first ``out``."""

    NAME = "ChannelShuffle"
    ARGS = (Arg("c"), Arg("g"), Arg("out"))
    EXAMPLE = "ChannelShuffle(16,2,15)"

    def validate(self) -> None:
        c, g, out = self.args
        if c % g:
            raise ValueError(f"ChannelShuffle: channels {c} not divisible by groups {g}")
        if out > c:
            raise ValueError(f"ChannelShuffle: cannot keep {out} of {c} channels")

    @property
    def in_channels(self) -> int:
        return self.arg("c")

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        c, _, out = self.args
        if opts.get("fuse_shuffle"):
            return Cost()
        return Cost(mac=2 * out * he * he, peak=(c + out) * he * he)

    def _build(self, opts: Options):
        from zennas.extra_modules import ChannelShuffleModule

        return ChannelShuffleModule(self.arg("g"), self.arg("out"))


@register_block
class GSModule(CompositeBlock):
    """``GSModule(in, out, k, s, d, act)``: ghost-shuffle module (see the module docstring)."""

    NAME = "GSModule"
    ARGS = (Arg("in"), Arg("out"), Arg("k"), Arg("s"), Arg("d"), Arg("act", min=0))
    EXAMPLE = "GSModule(8,15,3,2,5,1)"

    def validate(self) -> None:
        if self.arg("act") not in (0, 1):
            raise ValueError("GSModule: act must be 0 (linear) or 1 (ReLU)")

    @property
    def primary_channels(self) -> int:
        return math.ceil(self.arg("out") / 2)

    def parts(self, opts: Options) -> list[Block]:
        cin, cout, k, s, d, act = self.args
        m = self.primary_channels
        a = [RELU(m)] if act else []
        cheap = (ConvDW(m, d, 1), *bn(m, opts), *a)
        return [ConvKX(cin, m, k, s), *bn(m, opts), *a,
                MultiCatBlock(children=[(Identity(m),), cheap]),
                ChannelShuffle(2 * m, 2, cout)]


__all__ = ["ChannelShuffle", "CompositeBlock", "GSModule", "GS_CHEAP_KERNEL", "Identity"]
