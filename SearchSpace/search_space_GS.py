"""Legacy module ``SearchSpace.search_space_GS``: an alias of :mod:`zennas.spaces.gs` (the GS candidate-list space).

Importing it gives that very module (same classes, same registrations), so the original's imports keep working.
"""

import sys

from zennas.spaces import gs

sys.modules[__name__] = gs
