"""Helpers of the newer proxies (ZiCo, MeCo, SWAP, SNIP, jacob_cov, AZ-NAS): inputs and inits.

* ``data_batches``: ``ctx.data_batch`` (``zennas.proxies.context``) returns ONE batch; this gives several, and
  ``data_source`` records where they came from. Without a dataloader the inputs are N(0,1) images (and
  uniform random labels) drawn from the context's private generator, as for the original proxies.
* ``apply_init``: the init named by ``init=`` (or the proxy's default): "gaussian" (ZEN: N(0,1)),
  "kaiming" (N(0, 2/fan_in) for conv/linear weights, biases 0, BN 1/0; AZ-NAS), "default"/"none"
  (keep the module's weights: PyTorch's default init for a fresh build). Draws use the private generator.
"""

from __future__ import annotations

import torch
from torch import nn

from zennas.proxies.base import ProxyError
from zennas.proxies.context import ProxyContext, effective_precision, prepare_model
from zennas.proxies.hooks import gaussian_init, normal_init


def data_source(ctx: ProxyContext) -> str:
    """What the proxy's inputs were: the loader's ``description`` (see ``zennas.data.proxy``) or N(0,1)."""
    if ctx.dataloader is None:
        return "gaussian N(0,1)"
    return str(getattr(ctx.dataloader, "description", type(ctx.dataloader).__name__))


def data_batches(ctx: ProxyContext, n: int, need_labels: bool = False
                 ) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
    """``n`` batches of ``ctx.batch_size`` (images on ``ctx.device``, labels or None)."""
    if ctx.dataloader is None:
        out = []
        for _ in range(n):
            out.append(ctx.data_batch(need_labels=need_labels))
        return out
    out = []
    for batch in ctx.dataloader:
        x, y = (batch[0], batch[1]) if isinstance(batch, (list, tuple)) else (batch, None)
        if need_labels and y is None:
            raise ProxyError("this proxy needs labels but the dataloader yields images only")
        x = x[: ctx.batch_size].to(ctx.device, torch.float32)
        out.append((x, None if y is None else y[: ctx.batch_size].to(ctx.device)))
        if len(out) == n:
            return out
    raise ProxyError(f"the dataloader gave {len(out)} batches; this proxy needs {n}")


def kaiming_init(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """Conv2d/Linear weight ~ N(0, 2 / fan_in) (He, ReLU gain), biases 0; BN/GN weight 1, bias 0."""
    return normal_init(model, generator, lambda w: (2.0 / w[0].numel()) ** 0.5)


def apply_init(model: nn.Module, ctx: ProxyContext, default: str) -> str:
    """Initialise ``model`` as ``ctx.opt("init", default)`` says; returns the mode used."""
    mode = str(ctx.opt("init", default)).lower()
    if mode == "gaussian":
        gaussian_init(model, ctx.generator)
    elif mode == "kaiming":
        kaiming_init(model, ctx.generator)
    elif mode not in ("default", "none"):
        raise ValueError(f"init must be 'gaussian', 'kaiming', 'default' or 'none', not {mode!r}")
    return mode


def fp32_training_model(model: nn.Module, ctx: ProxyContext, init_default: str
                        ) -> tuple[nn.Module, torch.dtype, bool, str]:
    """The newer proxies' set-up: fp32 unless the user chose a dtype (:func:`effective_precision`), the working
    module prepared for it, initialised by :func:`apply_init` and in training mode.  Returns
    ``(model, dtype, channels_last, init mode used)``."""
    dtype, cl = effective_precision(ctx, "fp32")
    model = prepare_model(model, ctx, dtype, cl)
    init = apply_init(model, ctx, init_default)
    model.train()
    return model, dtype, cl, init
