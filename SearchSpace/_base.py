"""Legacy module ``SearchSpace._base``: an alias of :mod:`zennas.spaces.base` (search-space base class and ZEN helpers).

Importing it gives that very module (same classes, same registrations), so the original's imports keep working.
"""

import sys

from zennas.spaces import base

sys.modules[__name__] = base
