"""``GS``: ZEN-style candidate-list space over the GhostShuffle (GS) unit family (GSNet, seed 003).

The GS super blocks (``SuperResGSK{3,5,7}``, registered by :mod:`zennas.blocks.gs_super`, ZENNAS_SPEC
§9.5) play the role of XXBL's residual families: any block may be picked; SuperConv-like stems and
heads (including ``SuperGSConvK{1,3}``) change only ``out`` (L = 1, same class, in and stride);
GS blocks become any GS kernel with out and B from ZEN's channel lists (multiples of 8, so the GS
module's intrinsic width m = out/2 is a multiple of 4) and L from the sub-layer list.  Pair it with
MAC budgets (configs/*gsnet*.yaml); the ADLIK-style random-init space is ``adlik`` with
``block_modules: [zennas.blocks.gs_super]``.
"""

from __future__ import annotations

from zennas.spaces.base import register_space
from zennas.spaces.zen_lists import ZenListSpace


@register_space
class GSSpace(ZenListSpace):
    name = "GS"
    aliases = ("search_space_GS", "ghostshuffle")
    groups = (("SuperResGSK3", "SuperResGSK5", "SuperResGSK7"),)
    max_channels = 2048
    fix_k1_conv = False
    #: a small CIFAR-size starting point (stem, four GS stages, head), like ZEN's XXBL initial structure
    example = (
        "SuperConvK3BNRELU(3,16,1,1)SuperResGSK3(16,32,1,16,1)SuperResGSK3(32,48,2,16,1)"
        "SuperResGSK3(48,64,2,32,1)SuperResGSK3(64,96,2,32,1)SuperConvK1BNRELU(96,256,1,1)"
    )
