"""Legacy module ``PlainNet.SuperResIDWEXKX``: an alias of :mod:`zennas.blocks.res_idw` (ZEN SuperResIDWE{1,2,4,6}K{3,5,7}).

Importing it gives that very module (same classes, same registrations), so the original's imports keep working.
"""

import sys

from zennas.blocks import res_idw

sys.modules[__name__] = res_idw
