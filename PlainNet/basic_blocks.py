"""Legacy module ``PlainNet.basic_blocks``: an alias of :mod:`zennas.blocks.basic` (ZEN basic blocks).

Importing it gives that very module (same classes, same registrations), so the original's imports keep working.
"""

import sys

from zennas.blocks import basic

sys.modules[__name__] = basic
