"""SynFlow (Tanaka et al., NeurIPS 2020, arXiv 2006.05467), ZEN's "Syncflow" proxy.

S = sum over Conv2d/Linear layers of mean_over_out_channels( sum_other_axes |w * dR/dw| ),
R = sum of the logits for a single all-ones input 1 x 3 x H x W, with every state-dict entry replaced
by its absolute value, in float64, training mode (batch statistics), after Gaussian init.

* score = log(S) by default (higher = better; S spans many orders of magnitude across nets).
* The original ZEN code returned **-S** (linear), so its search preferred *smaller* synflow, the
  opposite of the paper: almost certainly a sign bug. ``log=False`` gives +S; ``negate=True`` flips
  the sign; ``log=False, negate=True`` reproduces the original's return value exactly.
* extra always holds S, log_S and original_return (= -S).
* A BN layer that would see one value per channel (1x1 maps with the single input; the original
  crashes there) runs with its running statistics for that call (``extra['bn_eval_layers']``).
"""

from __future__ import annotations

import math

import torch

from zennas.proxies import (
    Proxy,
    ProxyContext,
    ProxyInfo,
    autocast_context,
    effective_precision,
    logits_of,
    maybe_gaussian_init,
    prepare_model,
    register_proxy,
    single_value_bn_in_eval,
    to_input,
    weight_layers,
)


@register_proxy
class SynFlow(Proxy):
    info = ProxyInfo(
        name="SynFlow", aliases=("Syncflow", "synflow"),
        formula="log Σ_layers mean_out Σ |w ⊙ ∂R/∂w|, R = Σ f_|θ|(1), float64",
        needs_data=False, needs_backward=True, scale="log", bn_mode="train", init="gaussian",
        default_batch_size=1, original_sign="-S (linear)", options=("log", "negate"),
    )

    def compute(self, model, ctx: ProxyContext):
        dtype, cl = effective_precision(ctx, "fp64")
        maybe_gaussian_init(model, ctx)
        with torch.no_grad():
            for t in model.state_dict().values():
                if t.is_floating_point():
                    t.abs_()
        model = prepare_model(model, ctx, dtype, cl)
        model.train()
        model.requires_grad_(True)
        x = torch.ones(1, 3, ctx.resolution, ctx.resolution, device=ctx.device)
        layers = weight_layers(model)
        with autocast_context(ctx.device, dtype), single_value_bn_in_eval(model) as bn_eval:
            r = logits_of(model(to_input(x, dtype, cl))).sum()
        grads = torch.autograd.grad(r, [m.weight for m in layers], allow_unused=True)
        s = 0.0
        for m, g in zip(layers, grads):
            if g is None:
                continue
            sal = (m.weight.detach() * g).abs().double()
            s += float(sal.reshape(sal.shape[0], -1).sum(dim=1).mean())
        log_s = math.log(s) if s > 0 else float("-inf")
        score = log_s if ctx.opt("log", True) else s
        if ctx.opt("negate", False):
            score = -score
        extra = {"bn_eval_layers": len(bn_eval), "S": s, "log_S": log_s, "original_return": -s, "dtype": str(dtype).replace("torch.", "")}
        return score, extra
