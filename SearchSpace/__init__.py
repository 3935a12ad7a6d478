"""SearchSpace: the original's search-space package, now a door into :mod:`zennas.spaces`, and the spaces
drop-in folder.

Every module in this folder is imported when the space registry is first used (``zennas.plugins``), so
a user's space is ONE file here (or anywhere, named in ``ZENNAS_PLUGINS`` / ``--plugins``)::

    # SearchSpace/my_space.py
    from zennas.spaces import ZenListSpace, register_space    # legacy: from SearchSpace import ...

    @register_space
    class MySpace(ZenListSpace):
        name = "my_space"
        groups = (("SuperResK3K3", "SuperResK5K5"),)
        example = "SuperConvK3BNRELU(3,16,2,1)SuperResK3K3(16,32,2,16,1)SuperConvK1BNRELU(32,64,1,1)"

The original module names are aliases of the ``zennas.spaces`` modules (``SearchSpace.search_space_XXBL``
is :mod:`zennas.spaces.xxbl`, with the original ``gen_search_space(block_list, block_id)``).  A legacy
ZEN file that only defines ``gen_search_space`` is adapted automatically when passed by path.
"""

ZENNAS_LEGACY_PACKAGE = True  # marks this folder as zennas' own drop-in folder (zennas.plugins)

import sys  # noqa: E402

from zennas import plugins  # noqa: E402
from zennas.registry import discover  # noqa: E402
from zennas.spaces import *  # noqa: E402,F401,F403
from zennas.spaces import __all__, install_global_utils_shim  # noqa: E402,F401

install_global_utils_shim()  # legacy ZEN files dropped here may `import global_utils`
for _name in discover(__name__):
    plugins.run_hooks(sys.modules[_name])
