"""``IDW_fixfc``: ZEN's MobileNet-like space (ZENNAS_SPEC §3.3), used for the ImageNet FLOPs models.

* SuperConv blocks with kernel 1 (the final "fc" head conv) never change.
* Other SuperConv blocks (the stem): same class, in, stride; out from the channel list (no cap);
  L = 1.
* SuperRes blocks: any of SuperResIDWE{1,2,4,6}K{3,5,7} (one group of 12, order E1K3, E2K3, E4K3,
  E6K3, E1K5, ..., E6K7); out, B from their channel lists (no 2048 cap); L from the sub-layer list
  (>= 1); in and stride copied.  The expanded widths smart_round(B*E, 8), smart_round(out*E, 8)
  follow from the block (§1.4).
* Default sampling: type uniform over the 12 types.  ``zen_compat_sampling=True`` reproduces ZEN's
  cumulative list (multiplicities 12, 12, 11, ..., 2 out of 89: E1K3 13.5 %, E6K7 2.2 %).
"""

from __future__ import annotations

from zennas.spaces.base import register_space
from zennas.spaces.zen_lists import ZenListSpace, zen_gen_search_space


@register_space
class IDWFixFCSpace(ZenListSpace):
    name = "IDW_fixfc"
    aliases = ("search_space_IDW_fixfc",)
    groups = (tuple(f"SuperResIDWE{e}K{k}" for k in (3, 5, 7) for e in (1, 2, 4, 6)),)
    max_channels = None
    fix_k1_conv = True
    #: ZEN's ImageNet initial structure (scripts/Zen_NAS_ImageNet_flops*.sh).
    example = (
        "SuperConvK3BNRELU(3,8,2,1)SuperResIDWE6K3(8,32,2,8,1)SuperResIDWE6K3(32,48,2,32,1)"
        "SuperResIDWE6K3(48,96,2,48,1)SuperResIDWE6K3(96,128,2,96,1)SuperConvK1BNRELU(128,2048,1,1)"
    )


#: the original module's function: ``gen_search_space(block_list, block_id)`` -> ZEN's candidate lists
gen_search_space = zen_gen_search_space(IDWFixFCSpace)
