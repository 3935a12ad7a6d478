"""Legacy module ``ZeroShotProxy._common``: every helper the proxy files import, now split by concern in
``zennas.proxies`` (base, context, hooks, macs, compute, stats).  A drop-in proxy file in this folder may
keep ``from ._common import Proxy, ProxyContext, ProxyInfo, maybe_gaussian_init, register_proxy``; new code
imports the same names from ``zennas.proxies``.
"""

from zennas.proxies import *  # noqa: F401,F403
from zennas.proxies import __all__  # noqa: F401
from zennas.proxies.compute import _build_from_structure, _failure, _new_seed, _run_once, logger  # noqa: F401
from zennas.proxies.context import _PRECISIONS  # noqa: F401
from zennas.proxies.hooks import _last_pool_module, _StopForward  # noqa: F401
