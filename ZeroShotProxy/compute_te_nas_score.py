"""Legacy module of the original Zen-NAS: the TE-NAS proxy function ``compute_NTK_score(gpu, model, resolution, batch_size) -> -kappa; compute_RN_score(model, batch_size, image_size, num_batch, gpu)``.

Implemented by :mod:`zennas.proxies.legacy` over ``compute_proxy``; see there for the differences.
"""

from zennas.proxies.legacy import tenas_compute_ntk_score as compute_NTK_score  # noqa: F401
