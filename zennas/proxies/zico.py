"""ZiCo (Li, Hsu, Wang, Marculescu, "ZiCo: Zero-shot NAS via Inverse Coefficient of Variation on
Gradients", ICLR 2023, arXiv 2301.11300).

score = sum over Conv2d/Linear layers l of  log( sum_{w in l, std_b(g_w) > 0}  mean_b |g_w| / std_b(g_w) )

* g_w = d CE(f(x_b), y_b) / d w for each of B mini-batches b (default B = 2 batches of 64, the paper's
  setting), mean cross-entropy; std over the B batches is the population std (ddof 0) of the signed
  gradient, mean of its absolute value. Weights whose gradient does not vary are left out; a layer
  whose sum is 0 adds nothing (as the authors' code).
* Higher = better (high, stable gradients: fast convergence and good generalisation in the paper's
  analysis). Scale: log (a sum of logs). Default init (the module as built), training-mode BN.
* Needs labelled data: the dataloader's batches (real images); without one, N(0,1) images and random
  labels (not meaningful for ranking; ``extra['data']`` says which was used).
* Options: ``batches`` (B, >= 2).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from zennas.proxies import (
    Proxy,
    ProxyContext,
    ProxyError,
    ProxyInfo,
    autocast_context,
    logits_of,
    register_proxy,
    to_input,
    weight_layers,
)
from zennas.proxies.inputs import data_batches, data_source, fp32_training_model


def batch_weight_grads(model, ctx: ProxyContext, batches, dtype, cl) -> list[list[torch.Tensor]]:
    """Per batch, the flattened CE-loss gradient of every Conv2d/Linear weight (float64, CPU-safe)."""
    layers = weight_layers(model)
    weights = [m.weight for m in layers]
    out = []
    for x, y in batches:
        acc = [torch.zeros(w.numel(), dtype=torch.float64, device=w.device) for w in weights]
        n = x.shape[0]
        for xc, yc in zip(ctx.chunks(x), ctx.chunks(y)):
            with autocast_context(ctx.device, dtype):
                logits = logits_of(model(to_input(xc, dtype, cl)))
            loss = F.cross_entropy(logits.float(), yc) * (xc.shape[0] / n)
            grads = torch.autograd.grad(loss, weights, allow_unused=True)
            for a, g in zip(acc, grads):
                if g is not None:
                    a.add_(g.reshape(-1).double())
        out.append(acc)
    return out


@register_proxy
class ZiCo(Proxy):
    info = ProxyInfo(
        name="ZiCo", aliases=("zico",),
        formula="Σ_layers log Σ_w mean_b|∂CE/∂w| / std_b(∂CE/∂w), B = 2 batches",
        needs_data=True, needs_labels=True, needs_backward=True, scale="log", bn_mode="train",
        init="default", default_batch_size=64, options=("batches",),
    )

    def compute(self, model, ctx: ProxyContext):
        nb = int(ctx.opt("batches", 2))
        if nb < 2:
            raise ProxyError("ZiCo needs at least 2 batches (the std over batches)")
        model, dtype, cl, init = fp32_training_model(model, ctx, "default")
        model.requires_grad_(True)
        per_batch = batch_weight_grads(model, ctx, data_batches(ctx, nb, need_labels=True), dtype, cl)
        score, used = 0.0, 0
        for layer in zip(*per_batch):
            g = torch.stack(layer)  # B x P
            std = g.std(dim=0, unbiased=False)
            nz = std > 0
            s = float((g.abs().mean(dim=0)[nz] / std[nz]).sum())
            if s > 0:
                score += math.log(s)
                used += 1
        extra = {"layers": used, "batches": nb, "init": init, "data": data_source(ctx),
                 "dtype": str(dtype).replace("torch.", "")}
        return score, extra
