"""ZeroShotProxy: the original's proxy package, now a door into :mod:`zennas.proxies`, and the proxies drop-in folder.

Every module in this folder is imported when the proxy registry is first used (``zennas.plugins``), so
a user's proxy is ONE file here (or anywhere, named in ``ZENNAS_PLUGINS`` / ``--plugins``): subclass
``Proxy``, set ``info = ProxyInfo(...)``, implement ``compute`` and decorate with ``@register_proxy``.
Files here may import the helpers as ``from ._common import ...`` (the legacy spelling of
``from zennas.proxies import ...``).  The original Zen-NAS functions keep their modules:
``ZeroShotProxy.compute_zen_score.compute_nas_score(gpu, model, mixup_gamma, resolution, batch_size,
repeat, fp16=False)``, ``compute_gradnorm_score``, ``compute_NASWOT_score``, ``compute_syncflow_score``,
``compute_te_nas_score``.
"""

ZENNAS_LEGACY_PACKAGE = True  # marks this folder as zennas' own drop-in folder (zennas.plugins)

import sys  # noqa: E402

from zennas import plugins  # noqa: E402
from zennas.proxies import (  # noqa: E402
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
from zennas.registry import discover  # noqa: E402

for _name in discover(__name__):
    plugins.run_hooks(sys.modules[_name])

__all__ = [
    "PROXIES", "Proxy", "ProxyContext", "ProxyError", "ProxyInfo", "ProxyResult", "compute_proxy", "get_proxy",
    "list_proxies", "register_proxy",
]
