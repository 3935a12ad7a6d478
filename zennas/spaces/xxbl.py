"""``XXBL``: ZEN's ResNet-like space (ZENNAS_SPEC §3.2), used for CIFAR and the latency models.

* Any block may be picked, stem and head included.
* SuperConv blocks (in, out, s, L): same class, in and stride; out from the channel list of out
  (capped at 2048); L = 1.  The kernel never changes.
* SuperRes blocks: a type from group BL (SuperResK1K{3,5,7}K1) or group XX (SuperResK{3,5,7}K{3,5,7})
  - switching between groups is allowed; out and B independently from their channel lists (cap
  2048), L from the sub-layer list (>= 1); in and stride copied.
* Default sampling: type uniform over the 6 types.  ``zen_compat_sampling=True`` reproduces ZEN's
  cumulative lists (per group K3 and K5 variants 3x, K7 2x: P(kernel 7) = 2/8).
"""

from __future__ import annotations

from zennas.spaces.base import register_space
from zennas.spaces.zen_lists import ZenListSpace, zen_gen_search_space


@register_space
class XXBLSpace(ZenListSpace):
    name = "XXBL"
    aliases = ("search_space_XXBL",)
    groups = (
        ("SuperResK1K3K1", "SuperResK1K5K1", "SuperResK1K7K1"),
        ("SuperResK3K3", "SuperResK5K5", "SuperResK7K7"),
    )
    max_channels = 2048
    fix_k1_conv = False
    #: ZEN's CIFAR initial structure (scripts/Zen_NAS_cifar_params1M.sh).
    example = (
        "SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,1,8,1)SuperResK3K3(16,32,2,16,1)"
        "SuperResK3K3(32,64,2,32,1)SuperResK3K3(64,64,2,32,1)SuperConvK1BNRELU(64,128,1,1)"
    )


#: the original module's function: ``gen_search_space(block_list, block_id)`` -> ZEN's candidate lists
gen_search_space = zen_gen_search_space(XXBLSpace)
