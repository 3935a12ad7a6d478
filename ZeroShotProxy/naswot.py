"""Legacy module ``ZeroShotProxy.naswot``: an alias of :mod:`zennas.proxies.naswot`."""

import sys

from zennas.proxies import naswot

sys.modules[__name__] = naswot
