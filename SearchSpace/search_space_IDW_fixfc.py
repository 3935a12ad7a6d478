"""Legacy module ``SearchSpace.search_space_IDW_fixfc``: an alias of :mod:`zennas.spaces.idw_fixfc` (ZEN's IDW_fixfc space, with gen_search_space(block_list, block_id)).

Importing it gives that very module (same classes, same registrations), so the original's imports keep working.
"""

import sys

from zennas.spaces import idw_fixfc

sys.modules[__name__] = idw_fixfc
