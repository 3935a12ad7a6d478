"""ZEN inverted-residual depthwise super blocks SuperResIDWE{1,2,4,6}K{3,5,7} (ZENNAS_SPEC §1.4)."""

from __future__ import annotations

from typing import ClassVar

from PlainNet import register_block
from PlainNet.basic_blocks import RELU, ConvDW, ConvKX
from PlainNet.gather_excite import ge_blocks
from PlainNet.super_blocks import SUPER_RES_ARGS, bn, residual_unit, se
from zennas.block import Block, Options, SuperBlock, smart_round


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
                *se(d, opts), ConvKX(d, co, 1, 1), *bn(co, opts), *ge_blocks(co, opts)]

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
