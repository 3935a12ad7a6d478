"""PlainNet: the original's block package, now a door into :mod:`zennas.blocks`, and the blocks drop-in folder.

Every module in this folder is imported when the block registry is first used (``zennas.plugins``), so
a user's block is ONE file here (or anywhere, named in ``ZENNAS_PLUGINS`` / ``--plugins``)::

    # PlainNet/my_block.py
    from zennas.block import Arg, Block, Cost
    from zennas.blocks import register_block      # legacy spelling: from PlainNet import register_block

    @register_block
    class ConvK3Twice(Block):
        ARGS = (Arg("in"), Arg("out"), Arg("s"))
        ...

Old-style block files that define ``register_netblocks_dict(netblocks_dict)`` and call
``netblocks_dict.update({...})`` keep working: the function is called with
:data:`_all_netblocks_dict_`, a dict view whose writes register into :data:`BLOCKS`.  The original
module names (``PlainNet.basic_blocks``, ``PlainNet.super_blocks``, ``PlainNet.SuperResKXKX``, ...) are
aliases of the ``zennas.blocks`` modules.
"""

ZENNAS_LEGACY_PACKAGE = True  # marks this folder as zennas' own drop-in folder (zennas.plugins)

import sys  # noqa: E402

from zennas import plugins  # noqa: E402
from zennas.block import Block  # noqa: E402
from zennas.blocks import BLOCKS, load_module, register_block  # noqa: E402
from zennas.blocks.registry import NETBLOCKS_DICT as _all_netblocks_dict_  # noqa: E402
from zennas.registry import RegistryError, discover  # noqa: E402

for _name in discover(__name__):
    plugins.run_hooks(sys.modules[_name])

__all__ = ["BLOCKS", "Block", "RegistryError", "_all_netblocks_dict_", "load_module", "register_block"]
