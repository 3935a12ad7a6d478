"""Zero-shot proxies: one registry (``PROXIES``, case-insensitive), one entry point (``compute_proxy``).

======================  ====================================================================
module                  concern
======================  ====================================================================
``base``                metadata (:class:`ProxyInfo`), results, the :class:`Proxy` base, the registry
``context``             per-call settings, private RNG, device and dtype policy
``hooks``               module surgery: init, BN statistics, state restoration, hooks, features
``macs``                conv/linear MACs of a real forward
``compute``             :func:`compute_proxy` and the failure policy (NaN, exceptions, OOM split)
``stats``               rank statistics (Spearman)
``legacy``              the original ``compute_*_score`` functions (``ZeroShotProxy/compute_*.py``)
every other module      one proxy each: zen, gradnorm, naswot, synflow, tenas, params, flops, random_proxy
======================  ====================================================================

A new built-in proxy is ONE module here; a user's proxy is one file in the checkout's
``ZeroShotProxy/`` folder or named in ``ZENNAS_PLUGINS`` / ``--plugins``.  Everything a proxy needs is
importable from this package::

    from zennas.proxies import Proxy, ProxyContext, ProxyInfo, maybe_gaussian_init, register_proxy
"""

from zennas import plugins
from zennas.proxies.base import (
    PROXIES,
    Proxy,
    ProxyError,
    ProxyInfo,
    ProxyResult,
    get_proxy,
    list_proxies,
    register_proxy,
)
from zennas.proxies.compute import MAX_OOM_SPLIT, compute_proxy, is_oom
from zennas.proxies.context import (
    ProxyContext,
    autocast_context,
    cpu_features,
    cpu_has_fast_bf16,
    effective_precision,
    parse_dtype,
    prepare_model,
    resolve_device,
    to_input,
)
from zennas.proxies.hooks import (
    batchnorms,
    forward_hooks,
    gaussian_init,
    logits_of,
    maybe_gaussian_init,
    override_activations,
    pre_gap_features,
    preserve_module_state,
    relu_modules,
    reset_bn_stats,
    single_value_bn_in_eval,
    weight_layers,
)
from zennas.proxies.macs import count_macs
from zennas.proxies.stats import spearman
from zennas.registry import discover

discover(__name__)
PROXIES.set_loader(plugins.registry_loader("ZeroShotProxy"))

__all__ = [
    "MAX_OOM_SPLIT", "PROXIES", "Proxy", "ProxyContext", "ProxyError", "ProxyInfo", "ProxyResult", "autocast_context",
    "batchnorms", "compute_proxy", "count_macs", "cpu_features", "cpu_has_fast_bf16", "effective_precision", "forward_hooks",
    "gaussian_init", "get_proxy", "is_oom", "list_proxies", "logits_of", "maybe_gaussian_init", "override_activations",
    "parse_dtype", "pre_gap_features", "prepare_model", "preserve_module_state", "register_proxy", "relu_modules",
    "reset_bn_stats", "resolve_device", "single_value_bn_in_eval", "spearman", "to_input", "weight_layers",
]
