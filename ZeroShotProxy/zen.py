"""Legacy module ``ZeroShotProxy.zen``: an alias of :mod:`zennas.proxies.zen`."""

import sys

from zennas.proxies import zen

sys.modules[__name__] = zen
