"""Registration module of the GS search space (the role of ``PlainNet/AABC_Block.py`` in seed 003, ZTE "GSNet").

It registers the GS super blocks, so that::

    PlainNet.load_module("PlainNet/AABC_Block.py")
    # -> ['SuperGSConvK1', 'SuperGSConvK3', 'SuperResGSK3', 'SuperResGSK5', 'SuperResGSK7']

makes them the candidate set of an ADLIK-style search (``space.blocks: [PlainNet/AABC_Block.py]``;
equivalent of the seed's ``--search_space_list PlainNet/AABC_Block.py``).  To mix families, list several
modules, e.g. ``[PlainNet/AABC_Block.py, PlainNet/SuperResK1KXK1.py, PlainNet/SuperResIDWEXKX.py]``.

The implementations (and the basic tokens ``GSModule``, ``ChannelShuffle``, ``Identity``) live in
``PlainNet/gs_blocks.py``; see there and ZENNAS_SPEC §9.5 for the exact expansions and costs.
"""

from __future__ import annotations

from PlainNet import register_block
from PlainNet.gs_blocks import GS_CONV_KERNELS, GS_RES_KERNELS, SuperGSConvKX, SuperResGSKX

for _k in GS_CONV_KERNELS:
    register_block(SuperGSConvKX, name=f"SuperGSConvK{_k}", K=_k, EXAMPLE=f"SuperGSConvK{_k}(3,16,2,2)")

for _k in GS_RES_KERNELS:
    register_block(SuperResGSKX, name=f"SuperResGSK{_k}", K=_k, EXAMPLE=f"SuperResGSK{_k}(8,16,2,8,2)")

#: names registered by this module, in order (what ``load_module`` returns)
GS_BLOCK_NAMES = [f"SuperGSConvK{k}" for k in GS_CONV_KERNELS] + [f"SuperResGSK{k}" for k in GS_RES_KERNELS]
