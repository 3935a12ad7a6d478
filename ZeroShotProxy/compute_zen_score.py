"""Legacy module of the original Zen-NAS: the Zen-score proxy function ``compute_nas_score(gpu, model, mixup_gamma, resolution, batch_size, repeat, fp16=False) -> dict``.

Implemented by :mod:`zennas.proxies.legacy` over ``compute_proxy``; see there for the differences.
"""

from zennas.proxies.legacy import zen_compute_nas_score as compute_nas_score  # noqa: F401
