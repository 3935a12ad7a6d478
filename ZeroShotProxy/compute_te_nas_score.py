"""Legacy module of the original Zen-NAS: the TE-NAS proxy functions ``compute_NTK_score(gpu, model, resolution,
batch_size) -> -kappa`` and ``compute_RN_score(model, batch_size, image_size, num_batch, gpu)`` (linear regions).

Implemented by :mod:`zennas.proxies.legacy` over ``compute_proxy``; see there for the differences.
"""

from zennas.proxies.legacy import tenas_compute_ntk_score as compute_NTK_score
from zennas.proxies.legacy import tenas_compute_rn_score as compute_RN_score

__all__ = ["compute_NTK_score", "compute_RN_score"]
