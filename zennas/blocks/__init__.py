"""Blocks: every structure-string token, one family per module, auto-discovered (ZENNAS_SPEC §1, §9).

=================  =======================================================================
module             tokens
=================  =======================================================================
``basic``          ZEN basic blocks: ConvKX(G*), ConvDW, BN, RELU, Swish, SE, Linear, pools, Flatten
``containers``     ResBlock, ResBlockProj, Sequential, MultiSumBlock, MultiCatBlock
``super_blocks``   SuperConvK{1,3,5,7}BNRELU and the helpers every super-block family uses
``res_kxkx``       ZEN "XX" SuperResK{3,5,7}K{3,5,7}
``res_k1kxk1``     ZEN "BL" SuperResK1K{3,5,7}K1
``res_idw``        ZEN SuperResIDWE{1,2,4,6}K{3,5,7}
``gs``             GS bricks: Identity, ChannelShuffle, GSModule
``gs_super``       GS super blocks SuperGSConvK{1,3}, SuperResGSK{3,5,7}
``sandglass``      MobileNeXt: RELU6, PartialResBlock, SuperResSGK{3,5,7}
``gather_excite``  Gather-Excite GEMinus, GETheta, GEPlus (+ the ``use_ge`` option)
``genet``          the GENet (GPU-Efficient Networks) dialect, its own registry
=================  =======================================================================

A new built-in family is ONE module here: subclass :class:`zennas.block.Block` /
:class:`~zennas.block.SuperBlock` and call :func:`register_block`.  A user's block file needs no
change to the package: drop it into the checkout's ``PlainNet/`` folder or name it in
``ZENNAS_PLUGINS`` / ``--plugins`` (:mod:`zennas.plugins`); it joins :data:`BLOCKS` before the first
lookup.  Either way the parametrized tests cover it.
"""

from zennas import plugins
from zennas.blocks.registry import (
    BLOCKS,
    DEFAULT_DIALECT,
    DIALECTS,
    NETBLOCKS_DICT,
    load_module,
    register_block,
    register_dialect,
)
from zennas.registry import RegistryError, discover

discover(__name__)
BLOCKS.set_loader(plugins.registry_loader("PlainNet"))

__all__ = ["BLOCKS", "DEFAULT_DIALECT", "DIALECTS", "NETBLOCKS_DICT", "RegistryError", "load_module", "register_block",
           "register_dialect"]
