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

from PlainNet import register_block
from PlainNet.basic_blocks import BN, RELU, SE, ConvDW, ConvKX
from PlainNet.containers import ResBlock, ResBlockProj
from zennas.block import Arg, Block, Options, SuperBlock, smart_round

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


class SuperResKXKX(SuperBlock):
    """"XX" family: per sub-layer one unit conv k x k (c_i -> B, s_i) BN ReLU [SE] conv k x k (B -> out) BN."""

    ARGS = SUPER_RES_ARGS
    K: ClassVar[int] = 3

    def expand(self, opts: Options) -> list[Block]:
        cin, cout, s, b, L = self.args
        k = self.K
        out: list[Block] = []
        for i in range(L):
            ci, si = (cin, s) if i == 0 else (cout, 1)
            body = [ConvKX(ci, b, k, si), *bn(b, opts), RELU(b), *se(b, opts), ConvKX(b, cout, k, 1), *bn(cout, opts)]
            out += residual_unit(body, ci, cout, si, i == 0, opts)
        return out


for _k in (3, 5, 7):
    register_block(SuperResKXKX, name=f"SuperResK{_k}K{_k}", K=_k)


class SuperResK1KXK1(SuperBlock):
    """"BL" family: per sub-layer TWO bottleneck units 1x1 (-> B) BN ReLU, k x k (B -> B) BN ReLU [SE],
    1x1 (B -> out) BN; the stride sits on the k x k conv of the first unit."""

    ARGS = SUPER_RES_ARGS
    K: ClassVar[int] = 3

    def _unit(self, ci: int, cout: int, b: int, si: int, opts: Options) -> list[Block]:
        return [ConvKX(ci, b, 1, 1), *bn(b, opts), RELU(b), ConvKX(b, b, self.K, si), *bn(b, opts), RELU(b),
                *se(b, opts), ConvKX(b, cout, 1, 1), *bn(cout, opts)]

    def expand(self, opts: Options) -> list[Block]:
        cin, cout, s, b, L = self.args
        out: list[Block] = []
        for i in range(L):
            ci, si = (cin, s) if i == 0 else (cout, 1)
            out += residual_unit(self._unit(ci, cout, b, si, opts), ci, cout, si, i == 0, opts)
            out += residual_unit(self._unit(cout, cout, b, 1, opts), cout, cout, 1, False, opts)
        return out


for _k in (3, 5, 7):
    register_block(SuperResK1KXK1, name=f"SuperResK1K{_k}K1", K=_k)


class SuperResIDWEXKX(SuperBlock):
    """Inverted-residual depthwise family: per sub-layer TWO units.

    D1 = smart_round(B*E, 8), D2 = smart_round(out*E, 8).
    unit A: 1x1 (c_i -> D1) BN ReLU, DW k x k (D1, s_i) BN ReLU [SE(D1)], 1x1 (D1 -> B) BN;
    unit B: 1x1 (B -> D2) BN ReLU, DW k x k (D2) BN ReLU [SE(D2)], 1x1 (D2 -> out) BN.
    Here B is the output width of unit A (not the expanded width).
    """

    ARGS = SUPER_RES_ARGS
    K: ClassVar[int] = 3
    E: ClassVar[int] = 1

    def _unit(self, ci: int, d: int, co: int, si: int, opts: Options) -> list[Block]:
        return [ConvKX(ci, d, 1, 1), *bn(d, opts), RELU(d), ConvDW(d, self.K, si), *bn(d, opts), RELU(d),
                *se(d, opts), ConvKX(d, co, 1, 1), *bn(co, opts)]

    def expand(self, opts: Options) -> list[Block]:
        cin, cout, s, b, L = self.args
        d1, d2 = smart_round(b * self.E, 8), smart_round(cout * self.E, 8)
        out: list[Block] = []
        for i in range(L):
            ci, si = (cin, s) if i == 0 else (cout, 1)
            out += residual_unit(self._unit(ci, d1, b, si, opts), ci, b, si, i == 0, opts)
            out += residual_unit(self._unit(b, d2, cout, 1, opts), b, cout, 1, False, opts)
        return out


for _e in (1, 2, 4, 6):
    for _k in (3, 5, 7):
        register_block(SuperResIDWEXKX, name=f"SuperResIDWE{_e}K{_k}", K=_k, E=_e)
