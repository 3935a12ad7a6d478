"""Legacy module ``SearchSpace._zen_lists``: an alias of :mod:`zennas.spaces.zen_lists` (ZEN candidate-list spaces).

Importing it gives that very module (same classes, same registrations), so the original's imports keep working.
"""

import sys

from zennas.spaces import zen_lists

sys.modules[__name__] = zen_lists
