"""Legacy module ``PlainNet.super_blocks``: an alias of :mod:`zennas.blocks.super_blocks` (SuperConvK*BNRELU and the super-block helpers).

Importing it gives that very module (same classes, same registrations), so the original's imports keep working.
"""

import sys

from zennas.blocks import super_blocks

sys.modules[__name__] = super_blocks
