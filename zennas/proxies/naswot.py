"""NASWOT (Mellor et al., ICML 2021, arXiv 2006.04647), as ZEN's ``compute_NASWOT_score.py``.

score = log |det K|,  K = sum over ReLU layers of  c c^T + (1 - c)(1 - c)^T

* c = binary activation code of each sample at a ReLU (1 where the ReLU input > 0, flattened), so
  K_ij = number of units on which samples i and j agree (units minus Hamming distance). We compute
  each layer's term as 2 c c^T - s_i - s_j + n (s = row sums, n = units): one matmul instead of two,
  accumulated in float64. ``log|det|`` via ``torch.linalg.slogdet``; K is a sum of Gram matrices
  (PSD), so the sign must be +1: a sign of 0 (singular K) is a failure, -1 (round-off) is flagged in
  ``extra['warning']``.
* Gaussian init, training mode, one batch of N(0, 1) images, no labels. The original ran a
  backward pass only to satisfy its hook bookkeeping; it does not change K, so we skip it.
* Unnormalised sum over ReLU layers as the paper (favours nets with more ReLUs, see
  BayesWatch/nas-without-training #20); ``normalize=True`` divides each layer's term by its unit count.
* Scale: log. Depends on the batch size (N x N matrix): compare scores at equal N only.
"""

from __future__ import annotations

import torch

from zennas.proxies import (
    Proxy,
    ProxyContext,
    ProxyError,
    ProxyInfo,
    autocast_context,
    effective_precision,
    forward_hooks,
    maybe_gaussian_init,
    prepare_model,
    register_proxy,
    relu_modules,
    to_input,
)

_EXACT = 1 << 24  # float32 integer sums are exact below this


def agreement_kernel(codes: torch.Tensor) -> torch.Tensor:
    """K_ij = #units where rows i, j of the 0/1 matrix ``codes`` (N x n) agree, float64 N x N."""
    n_units = codes.shape[1]
    k = torch.zeros(codes.shape[0], codes.shape[0], dtype=torch.float64, device=codes.device)
    for start in range(0, n_units, _EXACT - 1):
        c = codes[:, start:start + _EXACT - 1].float()
        s = c.sum(dim=1, dtype=torch.float64)
        k += 2.0 * (c @ c.t()).double() - s[:, None] - s[None, :] + c.shape[1]
    return k


@register_proxy
class NASWOT(Proxy):
    info = ProxyInfo(
        name="NASWOT", aliases=("nas-wot", "nas_wot", "jacov"),
        formula="log|det K|, K_ij = Σ_ReLU #units where samples i, j share the activation sign",
        needs_backward=False, scale="log", bn_mode="train", init="gaussian", default_batch_size=64,
        options=("precision", "normalize"),
    )

    def compute(self, model, ctx: ProxyContext):
        dtype, cl = effective_precision(ctx, ctx.opt("precision", "fast"))
        model = prepare_model(model, ctx, dtype, cl)
        maybe_gaussian_init(model, ctx)
        model.train()
        model.requires_grad_(False)
        normalize = bool(ctx.opt("normalize", False))
        relus = relu_modules(model)
        if not relus:
            raise ProxyError("NASWOT needs nn.ReLU modules (functional ReLUs cannot be hooked)")
        x, _ = ctx.data_batch()
        n = x.shape[0]
        kern = torch.zeros(n, n, dtype=torch.float64, device=ctx.device)
        stored: dict[int, list[torch.Tensor]] = {}
        layer_of = {id(m): i for i, m in enumerate(relus)}

        def add(codes: torch.Tensor) -> None:
            nonlocal kern
            term = agreement_kernel(codes)
            kern += term / codes.shape[1] if normalize else term

        def hook(m, inp, out):
            codes = out.detach().reshape(out.shape[0], -1) > 0  # same sign as the input for ReLU
            if ctx.split == 1:
                add(codes)
            else:  # OOM split: keep the codes until every chunk has been seen
                stored.setdefault(layer_of[id(m)], []).append(codes.cpu())

        with torch.inference_mode(), autocast_context(ctx.device, dtype), forward_hooks(relus, hook):
            for xc in ctx.chunks(x):
                model(to_input(xc, dtype, cl))
        for i in sorted(stored):
            add(torch.cat(stored.pop(i)).to(ctx.device))
        sign, logabsdet = torch.linalg.slogdet(kern)
        extra = {"sign": float(sign), "relu_layers": len(relus), "normalize": normalize,
                 "dtype": str(dtype).replace("torch.", ""), "channels_last": cl}
        if float(sign) == 0.0:
            raise ProxyError("NASWOT kernel is singular (duplicate activation patterns in the batch)")
        if float(sign) < 0:
            extra["warning"] = "negative determinant sign from round-off; |det| reported"
        return float(logabsdet), extra
