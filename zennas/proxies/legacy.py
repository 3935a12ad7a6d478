"""The original Zen-NAS proxy functions over :func:`~zennas.proxies.compute.compute_proxy`.

``ZeroShotProxy/compute_{zen,gradnorm,NASWOT,syncflow,te_nas}_score.py`` re-export these under the
original names, with the original signatures (``gpu``: a CUDA index, or None for the CPU) and return
values: ``compute_zen_score.compute_nas_score`` returns ``{"avg_nas_score", "std_nas_score",
"avg_precision"}`` (precision = 1.96 std / sqrt(repeat)), Syncflow returns -S and TE-NAS -kappa as the
original did.  The values are this library's proxies (README, Zero-shot proxies), computed on a copy
(the original re-initialised the caller's model in place); the draws follow the global torch generator
(a seed is taken from it, so ``torch.manual_seed`` makes a call reproducible, as with the original).  A
failure raises :class:`ProxyError` instead of returning a meaningless number.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from zennas.proxies.base import ProxyError, ProxyResult
from zennas.proxies.compute import compute_proxy
from zennas.proxies.hooks import forward_hooks, relu_modules


def _num_classes(model: nn.Module) -> int | None:
    n = getattr(model, "num_classes", None)
    if n:
        return int(n)
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    return linears[-1].out_features if linears else None


def legacy_score(name: str, gpu: int | None, model: nn.Module, resolution: int, batch_size: int,
                 **options: Any) -> ProxyResult:
    """Score (a copy of) ``model`` with proxy ``name``; raises :class:`ProxyError` on failure."""
    seed = int(torch.randint(0, 2**31 - 1, (1,)).item())
    device = f"cuda:{gpu}" if gpu is not None else "cpu"
    r = compute_proxy(name, model, resolution=resolution, batch_size=batch_size, num_classes=_num_classes(model),
                      device=device, seed=seed, **options)
    if not r.ok:
        raise ProxyError(f"{r.name} failed: {r.error}")
    return r


def zen_compute_nas_score(gpu, model, mixup_gamma, resolution, batch_size, repeat, fp16=False) -> dict[str, float]:
    """``compute_zen_score.compute_nas_score``: mean, std and 1.96 std / sqrt(repeat) of the Zen-score."""
    r = legacy_score("Zen", gpu, model, resolution, batch_size, gamma=mixup_gamma, repeat=repeat,
                     dtype="float16" if fp16 else None)
    return {"avg_nas_score": r.score, "std_nas_score": r.extra["std"], "avg_precision": r.extra["ci95"]}


def gradnorm_compute_nas_score(gpu, model, resolution, batch_size) -> float:
    """``compute_gradnorm_score.compute_nas_score``: the global gradient norm (linear)."""
    return legacy_score("GradNorm", gpu, model, resolution, batch_size).score


def naswot_compute_nas_score(gpu, model, resolution, batch_size) -> float:
    """``compute_NASWOT_score.compute_nas_score``: log |det K|."""
    return legacy_score("NASWOT", gpu, model, resolution, batch_size).score


def synflow_do_compute_nas_score(gpu, model, resolution, batch_size) -> float:
    """``compute_syncflow_score.do_compute_nas_score``: -S, the original's (sign-flipped) return value."""
    return legacy_score("SynFlow", gpu, model, resolution, batch_size).extra["original_return"]


def tenas_compute_ntk_score(gpu, model, resolution, batch_size) -> float:
    """``compute_te_nas_score.compute_NTK_score``: -kappa (negative NTK condition number)."""
    return legacy_score("TE-NAS", gpu, model, resolution, batch_size, linear_regions=False).score


@torch.no_grad()
def tenas_compute_rn_score(model: nn.Module, batch_size=None, image_size=None, num_batch=None, gpu=None) -> float:
    """``compute_te_nas_score.compute_RN_score``: distinct activation patterns (post-ReLU signs of the
    4-D ``nn.ReLU`` outputs) among ``num_batch`` N(0,1) batches of ``batch_size`` images."""
    device = torch.device(f"cuda:{gpu}" if gpu is not None else "cpu")
    codes: list[torch.Tensor] = []
    feats: list[torch.Tensor] = []

    def hook(_m, inp, out):
        if inp[0].dim() == 4:
            feats.append((out.detach() > 0).reshape(out.shape[0], -1))

    with forward_hooks(relu_modules(model), hook):
        for _ in range(int(num_batch or 1)):
            feats.clear()
            model(torch.randn(batch_size, 3, image_size, image_size, device=device))
            if feats:
                codes.append(torch.cat(feats, 1))
    if not codes:
        raise ProxyError("compute_RN_score: the model has no nn.ReLU modules on 4-D feature maps")
    return float(torch.unique(torch.cat(codes, 0), dim=0).shape[0])


__all__ = ["gradnorm_compute_nas_score", "legacy_score", "naswot_compute_nas_score", "synflow_do_compute_nas_score",
           "tenas_compute_ntk_score", "tenas_compute_rn_score", "zen_compute_nas_score"]
