"""ZEN "BL" bottleneck super blocks SuperResK1K{3,5,7}K1 (ZENNAS_SPEC §1.4)."""

from __future__ import annotations

from typing import ClassVar

from zennas.block import Block, Options
from zennas.blocks.basic import RELU, ConvKX
from zennas.blocks.gather_excite import ge_blocks
from zennas.blocks.registry import register_block
from zennas.blocks.super_blocks import SUPER_RES_ARGS, PairedUnitSuperBlock, bn, se


class SuperResK1KXK1(PairedUnitSuperBlock):
    """"BL" family: per sub-layer TWO bottleneck units 1x1 (-> B) BN ReLU, k x k (B -> B) BN ReLU [SE],
    1x1 (B -> out) BN; the stride sits on the k x k conv of the first unit."""

    ARGS = SUPER_RES_ARGS
    K: ClassVar[int] = 3

    def _unit(self, ci: int, cout: int, si: int, opts: Options) -> list[Block]:
        b = self.arg("B")
        return [ConvKX(ci, b, 1, 1), *bn(b, opts), RELU(b), ConvKX(b, b, self.K, si), *bn(b, opts), RELU(b),
                *se(b, opts), ConvKX(b, cout, 1, 1), *bn(cout, opts), *ge_blocks(cout, opts)]


for _k in (3, 5, 7):
    register_block(SuperResK1KXK1, name=f"SuperResK1K{_k}K1", K=_k)
