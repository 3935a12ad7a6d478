"""Legacy module ``PlainNet.gs_blocks``: the GS bricks (:mod:`zennas.blocks.gs`) and the GS super-block
classes (:mod:`zennas.blocks.gs_super`) under their former common name."""

from zennas.blocks.basic import BN  # noqa: F401 - was re-exported here
from zennas.blocks.gs import *  # noqa: F401,F403
from zennas.blocks.gs_super import GS_CONV_KERNELS, GS_RES_KERNELS, SuperGSConvKX, SuperResGSKX  # noqa: F401

#: ``load_module("PlainNet/gs_blocks.py")`` lists the tokens registered by this family module
BLOCK_MODULE = "zennas.blocks.gs"
