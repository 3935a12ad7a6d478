"""ZEN "XX" super blocks SuperResK{3,5,7}K{3,5,7} (ZENNAS_SPEC §1.4)."""

from __future__ import annotations

from typing import ClassVar

from zennas.block import Block, Options, SuperBlock
from zennas.blocks.basic import RELU, ConvKX
from zennas.blocks.gather_excite import ge_blocks
from zennas.blocks.registry import register_block
from zennas.blocks.super_blocks import SUPER_RES_ARGS, bn, residual_unit, se


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
            body = [ConvKX(ci, b, k, si), *bn(b, opts), RELU(b), *se(b, opts), ConvKX(b, cout, k, 1), *bn(cout, opts),
                    *ge_blocks(cout, opts)]
            out += residual_unit(body, ci, cout, si, i == 0, opts)
        return out


for _k in (3, 5, 7):
    register_block(SuperResKXKX, name=f"SuperResK{_k}K{_k}", K=_k)
