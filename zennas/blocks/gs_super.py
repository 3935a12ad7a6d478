"""GS (ghost-shuffle) super blocks: the searchable GS families (ZENNAS_SPEC §9.5; ZTE "GSNet", seed 003).

This module plays the role of seed 003's ``PlainNet/AABC_Block.py`` registration module: it registers
exactly the GS candidates, so that::

    load_module("zennas.blocks.gs_super")   # or the legacy path "PlainNet/AABC_Block.py"
    # -> ['SuperGSConvK1', 'SuperGSConvK3', 'SuperResGSK3', 'SuperResGSK5', 'SuperResGSK7']

makes them the candidate set of an ADLIK-style search (``search_space_list: [zennas.blocks.gs_super]``,
the seed's ``--search_space_list PlainNet/AABC_Block.py``).  To mix families, list several modules, e.g.
``[zennas.blocks.gs_super, zennas.blocks.res_k1kxk1, zennas.blocks.res_idw]``.

* ``SuperGSConvK{1,3}(in, out, s, L)`` -- L stacked GSM(c -> out, k, stride on the first, d = 5, ReLU).
* ``SuperResGSK{3,5,7}(in, out, s, B, L)`` -- per sub-layer TWO GS units (like ZEN's K1KXK1/IDW):
  unit = GSM(c -> B, k=1, ReLU) -> ConvDW(B, k, s_i) BN ReLU [SE(B) with use_se] -> GSM(B -> out, k=1,
  linear) [GE with use_ge]; first unit of the block wrapped in ResBlockProj (1x1 stride-s conv + BN),
  the others in ResBlock (identity); ReLU after every addition; ``no_reslink`` removes all shortcuts.

The GS module itself (``GSModule``) and the basic tokens are in :mod:`zennas.blocks.gs`.
"""

from __future__ import annotations

from typing import ClassVar

from zennas.block import Block, Options, SuperBlock
from zennas.blocks.basic import RELU, ConvDW
from zennas.blocks.gather_excite import ge_blocks
from zennas.blocks.gs import GS_CHEAP_KERNEL, GSModule
from zennas.blocks.registry import register_block
from zennas.blocks.super_blocks import SUPER_CONV_ARGS, SUPER_RES_ARGS, PairedUnitSuperBlock, bn, se

GS_CONV_KERNELS = (1, 3)
GS_RES_KERNELS = (3, 5, 7)


class SuperGSConvKX(SuperBlock):
    """``SuperGSConvK{k}(in, out, s, L)``: L stacked GS modules (first strided), ReLU; no residual."""

    ARGS = SUPER_CONV_ARGS
    K: ClassVar[int] = 3
    D: ClassVar[int] = GS_CHEAP_KERNEL

    def expand(self, opts: Options) -> list[Block]:
        cin, cout, s, L = self.args
        return [GSModule(cin if i == 0 else cout, cout, self.K, s if i == 0 else 1, self.D, 1) for i in range(L)]


class SuperResGSKX(PairedUnitSuperBlock):
    """``SuperResGSK{k}(in, out, s, B, L)``: the GS unit family (two units per sub-layer, ZEN shortcuts)."""

    ARGS = SUPER_RES_ARGS
    K: ClassVar[int] = 3
    D: ClassVar[int] = GS_CHEAP_KERNEL

    def _unit(self, ci: int, cout: int, si: int, opts: Options) -> list[Block]:
        b = self.arg("B")
        return [GSModule(ci, b, 1, 1, self.D, 1), ConvDW(b, self.K, si), *bn(b, opts), RELU(b), *se(b, opts),
                GSModule(b, cout, 1, 1, self.D, 0), *ge_blocks(cout, opts)]


for _k in GS_CONV_KERNELS:
    register_block(SuperGSConvKX, name=f"SuperGSConvK{_k}", K=_k, EXAMPLE=f"SuperGSConvK{_k}(3,16,2,2)")

for _k in GS_RES_KERNELS:
    register_block(SuperResGSKX, name=f"SuperResGSK{_k}", K=_k, EXAMPLE=f"SuperResGSK{_k}(8,16,2,8,2)")

#: names registered by this module, in order (what ``load_module`` returns)
GS_BLOCK_NAMES = [f"SuperGSConvK{k}" for k in GS_CONV_KERNELS] + [f"SuperResGSK{k}" for k in GS_RES_KERNELS]

__all__ = ["GS_BLOCK_NAMES", "GS_CONV_KERNELS", "GS_RES_KERNELS", "SuperGSConvKX", "SuperResGSKX"]
