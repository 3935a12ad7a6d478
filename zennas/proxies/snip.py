"""SNIP as a NAS proxy (Lee, Ajanthan, Torr, ICLR 2019, arXiv 1810.02340; used as a zero-cost proxy by
Abdelfattah et al., ICLR 2021, arXiv 2101.08134).

score = sum over Conv2d/Linear weights w of | w * d CE(f(x), y) / d w |   (connection sensitivity)

* One labelled batch (default 64; the dataloader's first batch, else N(0,1) images + random labels),
  mean cross-entropy, one backward pass, default init, training-mode BN.
* Higher = better. Scale: linear (the original value); ``log=True`` returns its log (same ranking).
"""

from __future__ import annotations

import math

from zennas.proxies import (
    Proxy,
    ProxyContext,
    ProxyInfo,
    register_proxy,
    weight_layers,
)
from zennas.proxies.inputs import data_batches, data_source, fp32_training_model
from zennas.proxies.zico import batch_weight_grads


@register_proxy
class SNIP(Proxy):
    info = ProxyInfo(
        name="SNIP", aliases=("snip",), formula="Σ_w |w ⊙ ∂CE/∂w| over conv/linear weights",
        needs_data=True, needs_labels=True, needs_backward=True, scale="linear", bn_mode="train",
        init="default", default_batch_size=64, options=("log",),
    )

    def compute(self, model, ctx: ProxyContext):
        model, dtype, cl, init = fp32_training_model(model, ctx, "default")
        model.requires_grad_(True)
        (grads,) = batch_weight_grads(model, ctx, data_batches(ctx, 1, need_labels=True), dtype, cl)
        s = sum(float((m.weight.detach().reshape(-1).double() * g).abs().sum())
                for m, g in zip(weight_layers(model), grads))
        score = (math.log(s) if s > 0 else float("-inf")) if ctx.opt("log", False) else s
        return score, {"snip": s, "init": init, "data": data_source(ctx), "dtype": str(dtype).replace("torch.", "")}
