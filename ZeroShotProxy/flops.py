"""Legacy module ``ZeroShotProxy.flops``: an alias of :mod:`zennas.proxies.flops`."""

import sys

from zennas.proxies import flops

sys.modules[__name__] = flops
