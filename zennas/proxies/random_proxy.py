"""Random baseline: one N(0, 1) draw from the call's private generator (architecture-independent).

The original drew ``np.random.randn()`` unseeded; here the draw is reproducible from the seed.
"""

from __future__ import annotations

import torch

from zennas.proxies import Proxy, ProxyInfo, register_proxy


@register_proxy
class RandomProxy(Proxy):
    info = ProxyInfo(
        name="Random", formula="z ~ N(0, 1), independent of the architecture",
        needs_data=False, needs_model=False, bn_mode="n/a", init="n/a", default_batch_size=1,
    )

    def _draw(self, ctx):
        return float(torch.randn(1, generator=ctx.generator, dtype=torch.float64)), {}

    def compute_structure(self, structure, ctx, build_kwargs):
        return self._draw(ctx)

    def compute(self, model, ctx):
        return self._draw(ctx)
