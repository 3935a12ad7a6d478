"""Legacy module ``PlainNet.SuperResK1KXK1``: an alias of :mod:`zennas.blocks.res_k1kxk1` (ZEN "BL" SuperResK1K{3,5,7}K1).

Importing it gives that very module (same classes, same registrations), so the original's imports keep working.
"""

import sys

from zennas.blocks import res_k1kxk1

sys.modules[__name__] = res_k1kxk1
