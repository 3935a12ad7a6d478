"""Legacy module ``SearchSpace.search_space_XXBL``: an alias of :mod:`zennas.spaces.xxbl` (ZEN's XXBL space, with gen_search_space(block_list, block_id)).

Importing it gives that very module (same classes, same registrations), so the original's imports keep working.
"""

import sys

from zennas.spaces import xxbl

sys.modules[__name__] = xxbl
