"""Legacy module ``ZeroShotProxy.tenas``: an alias of :mod:`zennas.proxies.tenas`."""

import sys

from zennas.proxies import tenas

sys.modules[__name__] = tenas
