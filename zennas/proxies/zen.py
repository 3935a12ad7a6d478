"""Zen-score (Lin et al., ICCV 2021, arXiv 2102.01063), as ZEN's ``compute_zen_score.py``.

score = log( mean_i || f(x_i) - f(x_i + gamma * eps_i) ||_1 ) + sum_BN log sqrt( mean_c running_var )

* f = features before global pooling (``forward_pre_GAP``; for other modules the input of the last
  pooling module), x, eps ~ N(0, 1), gamma = 0.01; an entrywise L1 sum over (C, H, W), NOT divided by
  gamma (the paper writes a Frobenius norm / gamma: a constant offset, same ranking).
* Gaussian init (re-drawn every repeat), training mode (batch statistics), no gradients.
* BN term (option ``bn_stats``):
  - "fresh" (default): running statistics reset before each repeat, so repeat r equals the original's
    search setting (fresh model, repeat 1): running_var = 0.81 + 0.09 v(x) + 0.1 v(x~) (momentum 0.1).
  - "carry": never reset (the original standalone CLI with repeat > 1: the term drifts upward).
  - "batch": cumulative average of the two forwards' batch variances, (v(x) + v(x~)) / 2 (no
    momentum constant; differs from "fresh" by about 0.5*log(0.19) per BN layer).
* Scale: log (higher = better). Returned: mean over repeats; extra has std and 1.96*std/sqrt(repeat).
* Default precision on a CPU with native bf16: bf16 autocast + channels_last (ranking measured equal
  to fp32, see the README (Zero-shot proxies)); pass dtype="float32" for the plain computation.
"""

from __future__ import annotations

import math

import torch

from zennas.proxies import (
    Proxy,
    ProxyContext,
    ProxyInfo,
    autocast_context,
    batchnorms,
    effective_precision,
    maybe_gaussian_init,
    override_activations,
    pre_gap_features,
    prepare_model,
    register_proxy,
    reset_bn_stats,
    to_input,
)


def bn_log_scale(model: torch.nn.Module, bns=None) -> float:
    """sum over BatchNorm layers with running stats of log(sqrt(mean over channels of running_var))."""
    vs = [m.running_var for m in (batchnorms(model) if bns is None else bns) if m.running_var is not None]
    if not vs:
        return 0.0
    means = torch.stack([v.double().mean() for v in vs]).tolist()  # one host transfer, not one per layer
    return sum(0.5 * math.log(v) for v in means)


@register_proxy
class Zen(Proxy):
    info = ProxyInfo(
        name="Zen", aliases=("zen-score", "zen_score", "zennas"),
        formula="log mean_i ||f(x_i) - f(x_i + γ ε_i)||_1 + Σ_BN log sqrt(mean_c running_var)",
        needs_backward=False, scale="log", bn_mode="train", init="gaussian", default_batch_size=64,
        options=("activation_override", "bn_stats"),
    )

    def compute(self, model, ctx: ProxyContext):
        dtype, cl = effective_precision(ctx, "fast")
        override_activations(model, ctx.opt("activation_override", None))
        model = prepare_model(model, ctx, dtype, cl)
        mods = list(model.modules())  # one walk for every helper below (milliseconds on small nets)
        bns = batchnorms(model, mods)
        mode = ctx.opt("bn_stats", "fresh")
        if mode not in ("fresh", "carry", "batch"):
            raise ValueError(f"bn_stats must be 'fresh', 'carry' or 'batch', not {mode!r}")
        model.train()
        model.requires_grad_(False)
        scores, deltas, bn_terms = [], [], []
        how = ""
        for _ in range(max(1, ctx.repeat)):
            maybe_gaussian_init(model, ctx, mods)
            if mode != "carry":
                reset_bn_stats(model, bns)
            if mode == "batch":
                for m in bns:
                    m.momentum = None  # cumulative average of the batch variances
            x = ctx.randn(*ctx.input_shape())
            eps = ctx.randn(*ctx.input_shape())
            x2 = x + ctx.gamma * eps
            total, count = 0.0, 0
            with torch.inference_mode(), autocast_context(ctx.device, dtype):
                for xa, xb in zip(ctx.chunks(x), ctx.chunks(x2)):
                    fa, how = pre_gap_features(model, to_input(xa, dtype, cl))
                    fb, _ = pre_gap_features(model, to_input(xb, dtype, cl))
                    d = (fa.float() - fb.float()).abs().reshape(fa.shape[0], -1).sum(dim=1)
                    total += float(d.double().sum())
                    count += fa.shape[0]
            delta = total / count
            bn = bn_log_scale(model, bns)
            deltas.append(delta)
            bn_terms.append(bn)
            scores.append(math.log(delta) + bn if delta > 0 else float("-inf"))
        t = torch.tensor(scores, dtype=torch.float64)
        std = float(t.std(unbiased=False)) if len(scores) > 1 else 0.0
        extra = {
            "std": std, "ci95": 1.96 * std / math.sqrt(len(scores)), "scores": scores,
            "delta": deltas, "bn_term": bn_terms, "feature": how, "bn_stats": mode,
            "dtype": str(dtype).replace("torch.", ""), "channels_last": cl, "gamma": ctx.gamma,
        }
        return float(t.mean()), extra
