"""ZEN super blocks and their expansions (ZENNAS_SPEC §1.4).

Each super block is a leaf token with integer arguments that expands into basic blocks; costs and
modules are derived from the expansion (``zennas.block.SuperBlock``).  Common rules: the stride
applies to the first sub-layer only; later sub-layers read ``out`` channels; every residual unit is
post-activated (ReLU after the addition); the first unit of a block is wrapped in ResBlockProj
(projection always), later ones in ResBlock (projection only when channels differ); under
``no_reslink`` the wrappers disappear and the trailing ReLU stays; ``use_se`` inserts SE(c) after the
ReLU that follows the k x k / depthwise conv.
"""

from __future__ import annotations

from typing import ClassVar

from zennas.block import Arg, Block, Options, SuperBlock
from zennas.blocks.basic import BN, RELU, SE, ConvKX
from zennas.blocks.containers import ResBlock, ResBlockProj
from zennas.blocks.registry import register_block

SUPER_CONV_ARGS = (Arg("in"), Arg("out"), Arg("s"), Arg("L"))
SUPER_RES_ARGS = (Arg("in"), Arg("out"), Arg("s"), Arg("B"), Arg("L"))


def bn(c: int, opts: Options) -> list[Block]:
    return [] if opts.no_BN else [BN(c)]


def se(c: int, opts: Options) -> list[Block]:
    return [SE(c)] if opts.use_se else []


def residual_unit(body: list[Block], cin: int, cout: int, stride: int, first: bool, opts: Options) -> list[Block]:
    """Wrap a unit body: ResBlockProj for the first unit, ResBlock otherwise, then ReLU(out)."""
    if opts.no_reslink:
        return [*body, RELU(cout)]
    wrapper = ResBlockProj if first else ResBlock
    return [wrapper(cin, stride, children=body), RELU(cout)]


class SuperConvKXBNRELU(SuperBlock):
    """L x [conv k x k -> BN(out) -> ReLU]; first layer in -> out with stride s.  No residual."""

    ARGS = SUPER_CONV_ARGS
    K: ClassVar[int] = 3

    def expand(self, opts: Options) -> list[Block]:
        cin, cout, s, L = self.args
        out: list[Block] = []
        for i in range(L):
            out += [ConvKX(cin if i == 0 else cout, cout, self.K, s if i == 0 else 1), *bn(cout, opts), RELU(cout)]
        return out


for _k in (1, 3, 5, 7):
    register_block(SuperConvKXBNRELU, name=f"SuperConvK{_k}BNRELU", K=_k)


class PairedUnitSuperBlock(SuperBlock):
    """Base of families with TWO residual units per sub-layer (ZEN's BL and IDW; the GS unit family).

    Subclasses implement ``_unit(ci, co, si, opts) -> body`` (a unit from ci to co channels, stride si).
    Sub-layer i is unit(c_i -> mid, stride s_i) then unit(mid -> out, stride 1), each wrapped by
    :func:`residual_unit` (ResBlockProj for the block's first unit, ResBlock after it).  ``mid`` is
    ``out`` (BL, GS) unless a family overrides :meth:`mid_channels` (IDW: B).
    """

    ARGS = SUPER_RES_ARGS

    def mid_channels(self) -> int:
        return self.arg("out")

    def _unit(self, ci: int, co: int, si: int, opts: Options) -> list[Block]:
        raise NotImplementedError

    def expand(self, opts: Options) -> list[Block]:
        cin, cout, s, _, L = self.args
        mid = self.mid_channels()
        out: list[Block] = []
        for i in range(L):
            ci, si = (cin, s) if i == 0 else (cout, 1)
            out += residual_unit(self._unit(ci, mid, si, opts), ci, mid, si, i == 0, opts)
            out += residual_unit(self._unit(mid, cout, 1, opts), mid, cout, 1, False, opts)
        return out

