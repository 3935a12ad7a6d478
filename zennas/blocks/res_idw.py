"""ZEN inverted-residual depthwise super blocks SuperResIDWE{1,2,4,6}K{3,5,7} (ZENNAS_SPEC §1.4)."""

from __future__ import annotations

from typing import ClassVar

from zennas.block import Block, Options, smart_round
from zennas.blocks.basic import RELU, ConvDW, ConvKX
from zennas.blocks.gather_excite import ge_blocks
from zennas.blocks.registry import register_block
from zennas.blocks.super_blocks import SUPER_RES_ARGS, PairedUnitSuperBlock, bn, se


class SuperResIDWEXKX(PairedUnitSuperBlock):
    """Inverted-residual depthwise family: per sub-layer TWO units.

    Each unit expands to D = smart_round(E * its output width, 8): D1 = smart_round(B*E, 8),
    D2 = smart_round(out*E, 8).
    unit A: 1x1 (c_i -> D1) BN ReLU, DW k x k (D1, s_i) BN ReLU [SE(D1)], 1x1 (D1 -> B) BN;
    unit B: 1x1 (B -> D2) BN ReLU, DW k x k (D2) BN ReLU [SE(D2)], 1x1 (D2 -> out) BN.
    Here B is the output width of unit A (not the expanded width).
    """

    ARGS = SUPER_RES_ARGS
    K: ClassVar[int] = 3
    E: ClassVar[int] = 1

    def mid_channels(self) -> int:
        return self.arg("B")

    def _unit(self, ci: int, co: int, si: int, opts: Options) -> list[Block]:
        d = smart_round(co * self.E, 8)
        return [ConvKX(ci, d, 1, 1), *bn(d, opts), RELU(d), ConvDW(d, self.K, si), *bn(d, opts), RELU(d),
                *se(d, opts), ConvKX(d, co, 1, 1), *bn(co, opts), *ge_blocks(co, opts)]


for _e in (1, 2, 4, 6):
    for _k in (3, 5, 7):
        register_block(SuperResIDWEXKX, name=f"SuperResIDWE{_e}K{_k}", K=_k, E=_e)
