"""Legacy module ``ZeroShotProxy.random_proxy``: an alias of :mod:`zennas.proxies.random_proxy`."""

import sys

from zennas.proxies import random_proxy

sys.modules[__name__] = random_proxy
