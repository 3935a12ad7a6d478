"""Legacy module ``PlainNet.AABC_Block``: an alias of :mod:`zennas.blocks.gs_super` (the GS super blocks, seed 003's registration module).

Importing it gives that very module (same classes, same registrations), so the original's imports keep working.
"""

import sys

from zennas.blocks import gs_super

sys.modules[__name__] = gs_super
