"""Legacy module ``ZeroShotProxy.params``: an alias of :mod:`zennas.proxies.params`."""

import sys

from zennas.proxies import params

sys.modules[__name__] = params
