"""Legacy module of the original Zen-NAS: the NASWOT proxy function ``compute_nas_score(gpu, model, resolution, batch_size) -> float``.

Implemented by :mod:`zennas.proxies.legacy` over ``compute_proxy``; see there for the differences.
"""

from zennas.proxies.legacy import naswot_compute_nas_score as compute_nas_score  # noqa: F401
