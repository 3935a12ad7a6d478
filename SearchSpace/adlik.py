"""Legacy module ``SearchSpace.adlik``: an alias of :mod:`zennas.spaces.adlik` (the ADLIK / GSNet space).

Importing it gives that very module (same classes, same registrations), so the original's imports keep working.
"""

import sys

from zennas.spaces import adlik

sys.modules[__name__] = adlik
