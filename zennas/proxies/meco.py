"""MeCo (Jiang, Wang, Bie, "MeCo: Zero-Shot NAS with One Data and Single Forward Pass via Minimum
Eigenvalue of Correlation", NeurIPS 2023).

score = sum over layers i of  lambda_min( P(f_i(x)) )

* x = ONE input sample (the first of the batch: the dataloader's, else N(0,1)); one forward pass, no
  labels, no backward. f_i(x) is the C x (H*W) feature map of module i; P its C x C Pearson
  correlation matrix between channels (NaN/Inf entries -> 0, as the authors' code); lambda_min its
  smallest eigenvalue (``eigvalsh``, float64). Each lambda_min lies in [0, 1] and is 0 once C >= H*W.
* "Layers" = every module whose output is a 4-D map with C >= 2 and H*W >= 2, each distinct output
  tensor counted once (a container returning its last child's tensor is not counted twice; the
  authors hook every module and so count such tensors repeatedly).
* Higher = better. Scale: linear. Default init, training-mode BN (batch statistics of the one
  sample); a BN that would see one value per channel runs with its running statistics.
"""

from __future__ import annotations

import torch

from zennas.proxies import (
    Proxy,
    ProxyContext,
    ProxyInfo,
    autocast_context,
    forward_hooks,
    register_proxy,
    single_value_bn_in_eval,
    to_input,
)
from zennas.proxies.inputs import data_batches, data_source, fp32_training_model


def min_corr_eigenvalue(feature: torch.Tensor) -> float | None:
    """lambda_min of the channel correlation of one C x H x W map (None when undefined: C or HW < 2)."""
    c = feature.shape[0]
    f = feature.reshape(c, -1).double()
    if c < 2 or f.shape[1] < 2:
        return None
    corr = torch.corrcoef(f)
    corr = torch.where(torch.isfinite(corr), corr, torch.zeros_like(corr))
    return float(torch.linalg.eigvalsh(corr)[0])


@register_proxy
class MeCo(Proxy):
    info = ProxyInfo(
        name="MeCo", aliases=("meco",), formula="Σ_layers λ_min(Pearson corr of the C×HW map), one sample",
        needs_data=True, needs_backward=False, scale="linear", bn_mode="train", init="default",
        default_batch_size=1,
    )

    def compute(self, model, ctx: ProxyContext):
        model, dtype, cl, init = fp32_training_model(model, ctx, "default")
        ((x, _),) = data_batches(ctx, 1)
        seen: dict[int, torch.Tensor] = {}  # id -> tensor (kept alive so ids stay unique)
        values: list[float] = []

        def hook(_m, _inp, out):
            if isinstance(out, torch.Tensor) and out.dim() == 4 and id(out) not in seen:
                seen[id(out)] = out
                v = min_corr_eigenvalue(out[0].detach().float())
                if v is not None:
                    values.append(v)

        with torch.no_grad(), autocast_context(ctx.device, dtype), single_value_bn_in_eval(model), \
                forward_hooks(list(model.modules()), hook):
            model(to_input(x[:1], dtype, cl))
        extra = {"layers": len(values), "init": init, "data": data_source(ctx), "dtype": str(dtype).replace("torch.", "")}
        return float(sum(values)), extra
