"""Legacy module ``PlainNet.gather_excite``: an alias of :mod:`zennas.blocks.gather_excite` (Gather-Excite blocks).

Importing it gives that very module (same classes, same registrations), so the original's imports keep working.
"""

import sys

from zennas.blocks import gather_excite

sys.modules[__name__] = gather_excite
