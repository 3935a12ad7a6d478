"""Legacy module ``PlainNet.SuperResKXKX``: an alias of :mod:`zennas.blocks.res_kxkx` (ZEN "XX" SuperResK{3,5,7}K{3,5,7}).

Importing it gives that very module (same classes, same registrations), so the original's imports keep working.
"""

import sys

from zennas.blocks import res_kxkx

sys.modules[__name__] = res_kxkx
