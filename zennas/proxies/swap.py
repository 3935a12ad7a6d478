"""SWAP (Peng, Song, Fayek, Ciesielski, Chang, "SWAP-NAS: Sample-Wise Activation Patterns for
Ultra-fast NAS", ICLR 2024 spotlight, arXiv 2403.04161).

SWAP = | { p_j : j a post-ReLU unit } |,  p_j = (1[z_j(x_1) > 0], ..., 1[z_j(x_N) > 0])

i.e. the number of DISTINCT sample-wise activation patterns: each unit (channel x position of every
4-D ``nn.ReLU`` output) contributes its binary pattern over the N samples of one batch (default
N = 16, the authors' setting; at most 2^N patterns, so N must stay small); duplicates count once.

* Regularised SWAP-Score (the paper's model-size control):  SWAP * exp(-(Theta - mu)^2 / sigma),
  Theta = number of parameters in thousands, mu and sigma given in the same unit (options ``mu``,
  ``sigma``; off unless both are given). We return the LOG of the (regularised) score:
  log SWAP - (Theta - mu)^2 / sigma, the same ranking without underflow.
* Gaussian init (the authors' N(0,1) ``network_weight_gaussian_init``), redrawn for each of
  ``repeat`` repeats (score = log of the mean count; the authors average 32 repeats); training-mode BN;
  one forward per repeat, no labels, no backward. Data: the dataloader's batch, else N(0,1).
* Patterns are packed into 63-bit integers per unit and counted with ``torch.unique`` (exact).
  ``extra['saturated']`` is true when all 2^N patterns occurred (the score is then at its ceiling and
  cannot separate networks: use a larger batch).
"""

from __future__ import annotations

import math

import torch

from zennas.proxies import (
    Proxy,
    ProxyContext,
    ProxyError,
    ProxyInfo,
    autocast_context,
    effective_precision,
    forward_hooks,
    prepare_model,
    register_proxy,
    relu_modules,
    single_value_bn_in_eval,
    to_input,
)
from zennas.proxies.inputs import apply_init, data_batches, data_source

_BITS = 63


def pattern_codes(active: torch.Tensor) -> torch.Tensor:
    """(N samples, F units) bool -> (F, ceil(N / 63)) int64 codes, one row per unit's pattern."""
    n = active.shape[0]
    cols = []
    for a in range(0, n, _BITS):
        block = active[a:a + _BITS].to(torch.int64)
        w = (2 ** torch.arange(block.shape[0], dtype=torch.int64, device=block.device))[:, None]
        cols.append((block * w).sum(dim=0))
    return torch.stack(cols, dim=1)


def count_patterns(codes: list[torch.Tensor]) -> int:
    """Distinct rows over all layers' code tables."""
    allc = torch.cat(codes, dim=0)
    if allc.shape[1] == 1:
        return int(torch.unique(allc[:, 0]).numel())
    return int(torch.unique(allc, dim=0).shape[0])


def regularisation(params: float, mu: float, sigma: float) -> float:
    """log of the SWAP regulariser exp(-(Theta - mu)^2 / sigma), Theta = params / 1e3."""
    if sigma <= 0:
        raise ProxyError(f"SWAP: sigma must be > 0, got {sigma}")
    return -((params / 1e3 - mu) ** 2) / sigma


@register_proxy
class SWAP(Proxy):
    info = ProxyInfo(
        name="SWAP", aliases=("swap", "swap-score"),
        formula="log |{distinct per-unit ReLU sign patterns over N samples}| - (Θ_k - μ)²/σ (reg. optional)",
        needs_data=True, needs_backward=False, scale="log", bn_mode="train", init="gaussian",
        default_batch_size=16, options=("mu", "sigma"),
    )

    def compute(self, model, ctx: ProxyContext):
        dtype, cl = effective_precision(ctx, "fp32")
        model = prepare_model(model, ctx, dtype, cl)
        model.train()
        ((x, _),) = data_batches(ctx, 1)
        relus = relu_modules(model)
        if not relus:
            raise ProxyError("SWAP needs nn.ReLU modules (functional ReLUs are invisible to hooks)")
        counts = []
        init = ""
        for _ in range(max(1, ctx.repeat)):
            init = apply_init(model, ctx, "gaussian")
            codes: list[torch.Tensor] = []

            def hook(_m, inp, out, codes=codes):
                if inp[0].dim() == 4:
                    codes.append(pattern_codes((out.detach() > 0).reshape(out.shape[0], -1)))

            with torch.no_grad(), autocast_context(ctx.device, dtype), single_value_bn_in_eval(model), \
                    forward_hooks(relus, hook):
                model(to_input(x, dtype, cl))
            if not codes:
                raise ProxyError("SWAP: no nn.ReLU saw a 4-D input")
            counts.append(count_patterns(codes))
        mean = sum(counts) / len(counts)
        score = math.log(mean) if mean > 0 else float("-inf")
        params = float(sum(p.numel() for p in model.parameters()))
        n = int(x.shape[0])
        # every possible pattern was seen: the count cannot grow (N too small for this network)
        saturated = n < 63 and all(c >= 2 ** n for c in counts)
        extra = {"swap": mean, "swaps": counts, "samples": n, "saturated": saturated, "params": params, "init": init,
                 "data": data_source(ctx), "dtype": str(dtype).replace("torch.", "")}
        mu, sigma = ctx.opt("mu", None), ctx.opt("sigma", None)
        if mu is not None and sigma is not None:
            reg = regularisation(params, float(mu), float(sigma))
            extra.update(mu=float(mu), sigma=float(sigma), log_regulariser=reg)
            score += reg
        return score, extra
