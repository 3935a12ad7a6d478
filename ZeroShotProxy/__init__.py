"""Zero-shot proxies: a case-insensitive registry (``PROXIES``) and one entry point ``compute_proxy``.

Every non-underscore module of this package registers one proxy when imported (``discover``), so a new
proxy is ONE file: subclass ``Proxy``, set ``info = ProxyInfo(...)``, implement ``compute`` and
decorate with ``@register_proxy``. Shared machinery lives in ``_common.py``; see the README (Zero-shot proxies).
"""

from zennas.registry import discover

from ._common import (
    PROXIES,
    Proxy,
    ProxyContext,
    ProxyError,
    ProxyInfo,
    ProxyResult,
    compute_proxy,
    get_proxy,
    list_proxies,
    register_proxy,
)

__all__ = [
    "PROXIES", "Proxy", "ProxyContext", "ProxyError", "ProxyInfo", "ProxyResult", "compute_proxy", "get_proxy",
    "list_proxies", "register_proxy",
]

discover("ZeroShotProxy")
