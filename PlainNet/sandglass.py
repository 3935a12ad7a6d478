"""Legacy module ``PlainNet.sandglass``: an alias of :mod:`zennas.blocks.sandglass` (MobileNeXt sandglass blocks).

Importing it gives that very module (same classes, same registrations), so the original's imports keep working.
"""

import sys

from zennas.blocks import sandglass

sys.modules[__name__] = sandglass
