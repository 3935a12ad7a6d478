"""jacob_cov: the Jacobian-covariance score of NASWOT's first version (Mellor, Turner, Storkey,
Crowley, arXiv 2006.04647v1, 2020; as a zero-cost proxy in Abdelfattah et al., ICLR 2021).

score = - sum_i [ log(v_i + k) + 1 / (v_i + k) ],  k = 1e-5,
v = eigenvalues of the N x N Pearson correlation matrix of the input Jacobians
J_i = d (sum of logits of sample i) / d x_i (flattened).

* One batch (default 64; the dataloader's, else N(0,1)), default init, training-mode BN, one backward
  pass w.r.t. the input. Correlation and eigenvalues in float64 (``eigvalsh``: the matrix is
  symmetric); eigenvalues are clamped at 0 against round-off (the original used a general ``eig``).
* Higher = better (less correlated Jacobians: the network separates inputs locally). Scale: linear
  (already a sum of logs). Depends on N: compare at equal batch size only.
"""

from __future__ import annotations

import torch

from zennas.proxies import (
    Proxy,
    ProxyContext,
    ProxyError,
    ProxyInfo,
    autocast_context,
    logits_of,
    register_proxy,
    to_input,
)
from zennas.proxies.inputs import data_batches, data_source, fp32_training_model

K = 1e-5


def jacob_score(jac: torch.Tensor, k: float = K) -> float:
    """-sum(log(v + k) + 1/(v + k)) over the eigenvalues v of corrcoef(rows of ``jac``)."""
    corr = torch.corrcoef(jac.double())
    if not torch.isfinite(corr).all():
        raise ProxyError("jacob_cov: a Jacobian row is constant (zero variance); correlation undefined")
    v = torch.linalg.eigvalsh(corr).clamp_min(0.0)
    return float(-(torch.log(v + k) + 1.0 / (v + k)).sum())


@register_proxy
class JacobCov(Proxy):
    info = ProxyInfo(
        name="jacob_cov", aliases=("jacobcov", "jacob-cov"),
        formula="-Σ_i [log(v_i+k) + 1/(v_i+k)], v = eig corrcoef(∂Σlogits/∂x), k = 1e-5",
        needs_data=True, needs_backward=True, scale="linear", bn_mode="train", init="default",
        default_batch_size=64,
    )

    def compute(self, model, ctx: ProxyContext):
        model, dtype, cl, init = fp32_training_model(model, ctx, "default")
        ((x, _),) = data_batches(ctx, 1)
        rows = []
        for xc in ctx.chunks(x):
            xi = to_input(xc, dtype, cl).detach().requires_grad_(True)
            with autocast_context(ctx.device, dtype):
                out = logits_of(model(xi)).float()
            (g,) = torch.autograd.grad(out.sum(), xi)
            rows.append(g.reshape(g.shape[0], -1))
        score = jacob_score(torch.cat(rows))
        return score, {"init": init, "data": data_source(ctx), "k": K, "dtype": str(dtype).replace("torch.", "")}
