"""Legacy module of the original Zen-NAS: the Syncflow (SynFlow) proxy function ``do_compute_nas_score(gpu, model, resolution, batch_size) -> -S``.

Implemented by :mod:`zennas.proxies.legacy` over ``compute_proxy``; see there for the differences.
"""

from zennas.proxies.legacy import synflow_do_compute_nas_score as do_compute_nas_score  # noqa: F401
