"""Legacy module ``ZeroShotProxy.synflow``: an alias of :mod:`zennas.proxies.synflow`."""

import sys

from zennas.proxies import synflow

sys.modules[__name__] = synflow
