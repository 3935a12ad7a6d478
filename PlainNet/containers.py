"""Legacy module ``PlainNet.containers``: an alias of :mod:`zennas.blocks.containers` (ResBlock, ResBlockProj, Sequential, MultiSumBlock, MultiCatBlock).

Importing it gives that very module (same classes, same registrations), so the original's imports keep working.
"""

import sys

from zennas.blocks import containers

sys.modules[__name__] = containers
