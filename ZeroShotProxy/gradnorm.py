"""Legacy module ``ZeroShotProxy.gradnorm``: an alias of :mod:`zennas.proxies.gradnorm`."""

import sys

from zennas.proxies import gradnorm

sys.modules[__name__] = gradnorm
