"""TE-NAS (Chen, Gong, Wang, ICLR 2021, arXiv 2102.11535), as ZEN's ``compute_te_nas_score.py``.

kappa = lambda_max / lambda_min of the N x N empirical NTK  Theta = G G^T, where row i of G is the
gradient of sum_k logit_{i,k} w.r.t. every parameter whose name contains "weight" (conv kernels, BN
gamma, FC weight; biases excluded), taken through the FULL batch graph (training-mode BN couples the
samples, exactly as the original's per-sample ``backward(retain_graph=True)`` loop).

* Per-sample gradients in ONE vectorised pass: ``torch.autograd.grad(..., is_grads_batched=True)``
  (vmap over the N one-hot cotangents, in chunks of ``chunk`` rows); falls back to a Python loop when
  an op has no batching rule. ``vectorize="auto"`` (default) vectorises on GPUs only: on the 2-core
  AVX2 CPU we measured the vmapped conv backward about 2x SLOWER than the loop of N backward passes
  (training-mode BN couples the samples, so every per-sample gradient is a full-batch backward
  either way: the cost is N backward passes whichever way they are issued). NTK and eigenvalues (``torch.linalg.eigvalsh``) in float64.
* Default init (the module as built / as given; no Gaussian re-init), training mode, N(0,1) batch.
* score (option ``mode``):
  - "ntk" (default, the ZEN search score): -kappa.
  - "cli": linear_regions - kappa (what ZEN's standalone CLI printed).
  The paper's combination sums the *ranks* of kappa (ascending) and of the region count (descending)
  over a population, so it is not a per-candidate number: use ``rank_combination`` on a population.
* Linear regions (``linear_regions=True``): a second no-grad forward of a fresh N(0,1) batch, hooks on
  nn.ReLU outputs of 4-D inputs, activation signs concatenated per sample, number of distinct patterns
  (= the original's sum of 1/multiplicity, computed exactly with ``torch.unique``).
* Differences: the original mapped a NaN kappa to 0, i.e. the *best* possible score; here NaN/Inf or a
  non-positive lambda_min (singular NTK) is a failure (ok=False). Original float32 NTK -> float64 here.
"""

from __future__ import annotations

import logging

import torch

from zennas.proxies import (
    Proxy,
    ProxyContext,
    ProxyInfo,
    autocast_context,
    effective_precision,
    forward_hooks,
    gaussian_init,
    logits_of,
    prepare_model,
    register_proxy,
    relu_modules,
    to_input,
)

logger = logging.getLogger(__name__)


def _per_sample_grads(s: torch.Tensor, params: list[torch.Tensor], chunk: int, vectorize: bool) -> torch.Tensor:
    """G (N x P, float32): row i = d s_i / d params, through the shared batch graph."""
    n = s.shape[0]
    eye = torch.eye(n, dtype=s.dtype, device=s.device)
    rows = []
    try:
        if not vectorize:
            raise _UseLoop
        for a in range(0, n, chunk):
            gs = torch.autograd.grad(s, params, grad_outputs=eye[a:a + chunk], retain_graph=True,
                                     is_grads_batched=True, allow_unused=True)
            rows.append(torch.cat([_flat(g, p, eye[a:a + chunk].shape[0]) for g, p in zip(gs, params)], 1))
        return torch.cat(rows, 0)
    except _UseLoop:
        pass
    except RuntimeError as exc:  # no batching rule for some op: the original's loop
        if "out of memory" in str(exc).lower():
            raise
        logger.info("TE-NAS: vectorised per-sample gradients failed (%s); using a loop", exc)
    rows = []
    for i in range(n):
        gs = torch.autograd.grad(s[i], params, retain_graph=True, allow_unused=True)
        rows.append(torch.cat([_flat(g, p, None) for g, p in zip(gs, params)], 0)[None])
    return torch.cat(rows, 0)


class _UseLoop(Exception):
    pass


def _flat(g: torch.Tensor | None, p: torch.Tensor, batch: int | None) -> torch.Tensor:
    if g is None:
        g = torch.zeros((batch,) + tuple(p.shape) if batch else p.shape, device=p.device)
    return g.reshape(batch, -1).float() if batch else g.reshape(-1).float()


@torch.no_grad()
def count_linear_regions(model: torch.nn.Module, x: torch.Tensor) -> int | None:
    """Distinct activation patterns (post-ReLU sign of every 4-D nn.ReLU output) among the samples."""
    feats: list[torch.Tensor] = []

    def hook(_m, inp, out):
        if inp[0].dim() == 4:
            feats.append((out.detach() > 0).reshape(out.shape[0], -1))

    with forward_hooks(relu_modules(model), hook):
        model(x)
    if not feats:
        return None
    codes = torch.cat(feats, 1)
    return int(torch.unique(codes, dim=0).shape[0])


def rank_combination(kappas: list[float], regions: list[float]) -> list[float]:
    """The paper's population-relative TE-NAS score: -(rank of kappa ascending + rank of the region
    count descending), ranks from 1; higher = better. Ties share the average rank."""
    def ranks(vals: list[float], descending: bool) -> list[float]:
        order = sorted(range(len(vals)), key=lambda i: -vals[i] if descending else vals[i])
        r = [0.0] * len(vals)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and vals[order[j + 1]] == vals[order[i]]:
                j += 1
            for k in range(i, j + 1):
                r[order[k]] = (i + j) / 2 + 1
            i = j + 1
        return r

    rk, rl = ranks(kappas, False), ranks(regions, True)
    return [-(a + b) for a, b in zip(rk, rl)]


@register_proxy
class TENAS(Proxy):
    info = ProxyInfo(
        name="TE-NAS", aliases=("tenas", "te_nas", "ntk"),
        formula="-κ, κ = λmax/λmin of the N×N NTK GGᵀ (G: per-sample ∂Σlogits/∂weights)",
        needs_backward=True, scale="linear", bn_mode="train", init="default", default_batch_size=64,
        original_sign="-κ", options=("precision", "init", "chunk", "vectorize", "linear_regions", "mode"),
    )

    def compute(self, model, ctx: ProxyContext):
        dtype, cl = effective_precision(ctx, ctx.opt("precision", "fp32"))
        model = prepare_model(model, ctx, dtype, cl)
        if ctx.opt("init", "default") == "gaussian":
            gaussian_init(model, ctx.generator)
        model.train()
        model.requires_grad_(True)
        named = [(n, p) for n, p in model.named_parameters() if "weight" in n]
        params = [p for _, p in named]
        x, _ = ctx.data_batch()
        n = x.shape[0]
        with autocast_context(ctx.device, dtype):
            s = logits_of(model(to_input(x, dtype, cl))).float().sum(dim=1)
        chunk = int(ctx.opt("chunk", 16))
        chunk = max(1, min(n, chunk) // ctx.split)
        vec = ctx.opt("vectorize", "auto")
        vec = ctx.device.type != "cpu" if vec == "auto" else bool(vec)
        g = _per_sample_grads(s, params, chunk, vec)
        del s
        ntk = (g.double() @ g.double().t())
        eig = torch.linalg.eigvalsh(ntk)
        lmin, lmax = float(eig[0]), float(eig[-1])
        kappa = lmax / lmin if lmin > 0 else float("inf")
        extra = {"vectorized": vec, "kappa": kappa, "lambda_min": lmin, "lambda_max": lmax, "original_return": -kappa,
                 "dtype": str(dtype).replace("torch.", "")}
        lr = None
        if ctx.opt("linear_regions", True):
            x2 = ctx.randn(*ctx.input_shape())
            with autocast_context(ctx.device, dtype):
                lr = count_linear_regions(model, to_input(x2, dtype, cl))
            extra["linear_regions"] = lr
        mode = ctx.opt("mode", "ntk")
        if mode == "ntk":
            return -kappa, extra
        if mode == "cli":
            return (lr or 0) - kappa, extra
        raise ValueError(f"TE-NAS mode must be 'ntk' or 'cli' (paper rank-sum: rank_combination), not {mode!r}")
