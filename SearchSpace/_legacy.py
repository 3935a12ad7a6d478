"""Legacy module ``SearchSpace._legacy``: an alias of :mod:`zennas.spaces.legacy` (user space files and the gen_search_space adapter).

Importing it gives that very module (same classes, same registrations), so the original's imports keep working.
"""

import sys

from zennas.spaces import legacy

sys.modules[__name__] = legacy
