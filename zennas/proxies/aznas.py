"""AZ-NAS (Lee & Ham, "AZ-NAS: Assembling Zero-Cost Proxies for Network Architecture Search",
CVPR 2024, arXiv 2403.19232): four components from one forward and one backward pass.

Features f_0 .. f_L: the outputs of the network's primary blocks (below), batch of N = 64.

* expressivity  s_E = sum_l H(p_l), p_l = eigenvalues of the C x C covariance of f_l (over the
  N*H*W positions, mean removed) normalised to sum 1, H = -sum p log p (isotropic features score high);
* progressivity s_P = min_l (H(p_l) - H(p_{l-1}))  (expressivity must grow block by block);
* trainability  s_T = mean over consecutive pairs of  -sigma - 1/sigma + 2  (maximal, 0, at sigma = 1),
  sigma = the largest singular value of M = g_in^T g_out / (N h w), g_out a Rademacher (+-1) cotangent
  at f_l, g_in = J^T g_out its gradient at f_{l-1} (pixel-unshuffled when f_{l-1} is larger); a pair
  whose Jacobian is the identity (g_in == g_out) scores -inf, as the authors' code; a constant f_l (zero
  Jacobian, sigma = 0) scores -1/1e-6 + 2, the formula's value with the same 1e-6 guard;
* complexity    s_C = conv/linear multiply-accumulates (FLOPs) per sample, counted on the same forward.

AZ-NAS ranks a POPULATION: sum_m log(rank_m / n) over the four components (``zennas.proxies.ranking.
RankEnsemble.aznas()``); there is no per-candidate AZ-NAS number. ``score`` is therefore the component
named by option ``component`` (default "expressivity"), higher = better for each, scale linear; all
four are in ``extra`` for an ensemble.

Set-up as the authors' NB201 code: Kaiming-normal (fan-in) init, training-mode BN, N(0,1) inputs (the
authors use random inputs for AZ-NAS; a dataloader is used if given). Deviations: eigenvalues are
clamped at 0, H uses 0 log 0 = 0 (the authors add 1e-8 inside the log), and a constant feature (a
network whose cell has no input-output path) has H = 0 instead of NaN, so dead networks rank lowest on
every component instead of failing.

Primary blocks: ``model.extract_cell_features(x)`` if the model defines it; for a MasterNet, the output
of every top-level block, where BN/RELU/Swish tokens belong to the block before them except at the
end of the network (the head's BN+ReLU is not a stage). For NB201 this is exactly the authors' choice:
stem (conv+BN), 15 cells and 2 reduction blocks (18 features). Any other module: every Conv2d output.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from zennas.proxies import (
    Proxy,
    ProxyContext,
    ProxyError,
    ProxyInfo,
    autocast_context,
    forward_hooks,
    register_proxy,
    to_input,
    weight_layers,
)
from zennas.proxies.inputs import data_batches, data_source, fp32_training_model

COMPONENTS = ("expressivity", "progressivity", "trainability", "complexity")
_ELEMENTWISE = frozenset({"BN", "RELU", "Swish"})


def feature_entropy(f: torch.Tensor) -> float:
    """H of the normalised eigenvalue spectrum of the channel covariance of f (N x C x H x W)."""
    c = f.shape[1]
    z = f.detach().double().permute(0, 2, 3, 1).reshape(-1, c)
    z = z - z.mean(dim=0, keepdim=True)
    lam = torch.linalg.eigvalsh(z.t() @ z / z.shape[0]).clamp_min(0.0)
    total = float(lam.sum())
    if not total > 0:
        return 0.0  # an all-constant feature (a dead network): no spread at all, the lowest entropy
    p = lam / total
    p = p[p > 0]
    return float(-(p * p.log()).sum())


def pair_trainability(f_in: torch.Tensor, f_out: torch.Tensor, gen: torch.Generator) -> float | None:
    """-sigma - 1/sigma + 2 for the Jacobian between two features (None if f_out does not depend on f_in)."""
    if not f_out.requires_grad:  # a constant output (dead cell): zero Jacobian, sigma = 0
        return -1.0 / 1e-6 + 2.0
    if not f_in.requires_grad:  # a constant input (after a dead cell): no Jacobian to take, pair skipped
        return None
    g_out = (torch.randint(0, 2, f_out.shape, generator=gen) * 2 - 1).to(f_out.device, f_out.dtype)
    (g_in,) = torch.autograd.grad(f_out, f_in, grad_outputs=g_out, retain_graph=True, allow_unused=True)
    if g_in is None:
        return None
    if g_in.shape == g_out.shape and torch.equal(g_in, g_out):
        return float("-inf")
    if g_in.shape[-1] != g_out.shape[-1]:
        s = g_in.shape[-1] // g_out.shape[-1]
        if s < 1 or g_in.shape[-1] != s * g_out.shape[-1] or g_in.shape[-2] != s * g_out.shape[-2]:
            return None  # not an integer downsampling: no channel-wise pairing
        g_in = nn.functional.pixel_unshuffle(g_in, s)
    n, co, h, w = g_out.shape
    a = g_in.permute(0, 2, 3, 1).reshape(n * h * w, -1).double()
    b = g_out.permute(0, 2, 3, 1).reshape(n * h * w, co).double()
    sigma = float(torch.linalg.svdvals(a.t() @ b / (n * h * w)).max())
    return -sigma - 1.0 / (sigma + 1e-6) + 2.0


def _feature_modules(model: nn.Module) -> list[nn.Module] | None:
    """The MasterNet modules whose outputs are AZ-NAS features (module docstring), else None."""
    blocks, mods = getattr(model, "blocks", None), getattr(model, "module_list", None)
    if blocks is None or mods is None or len(blocks) != len(mods):
        return None
    names = [b.NAME for b in blocks]
    out, i, n = [], 0, len(names)
    while i < n:
        end = i
        while end + 1 < n and names[end + 1] in _ELEMENTWISE:
            end += 1
        pick = i if (end == n - 1 and end > i and names[i] not in _ELEMENTWISE) else end
        out.append(mods[pick])
        i = end + 1
    return out


def extract_features(model: nn.Module, x: torch.Tensor) -> tuple[list[torch.Tensor], str]:
    if hasattr(model, "extract_cell_features"):
        return list(model.extract_cell_features(x)), "extract_cell_features"
    mods = _feature_modules(model)
    how = "MasterNet primary blocks"
    if mods is None:
        mods, how = [m for m in model.modules() if isinstance(m, nn.Conv2d)], "Conv2d outputs"
    feats: list[torch.Tensor] = []

    def hook(_m, _inp, out):
        if isinstance(out, torch.Tensor) and out.dim() == 4:
            feats.append(out)

    with forward_hooks(mods, hook):
        model(x)
    return feats, how


@register_proxy
class AZNAS(Proxy):
    info = ProxyInfo(
        name="AZ-NAS", aliases=("aznas", "az_nas"),
        formula="components E = Σ_l H(eig cov f_l), P = min_l ΔH, T = mean(-σ-1/σ+2), C = FLOPs; "
                "population score Σ_m log(rank_m/n)",
        needs_data=False, needs_backward=True, scale="linear", bn_mode="train", init="kaiming",
        default_batch_size=64, options=("component",),
    )

    def compute(self, model, ctx: ProxyContext):
        component = str(ctx.opt("component", "expressivity")).lower()
        if component not in COMPONENTS:
            raise ValueError(f"AZ-NAS component must be one of {COMPONENTS}, not {component!r}")
        model, dtype, cl, init = fp32_training_model(model, ctx, "kaiming")
        model.requires_grad_(True)
        ((x, _),) = data_batches(ctx, 1)
        macs = [0]

        def count(m, _inp, out):  # conv/linear multiply-accumulates per sample of this forward
            per = out.numel() // out.shape[0]
            macs[0] += per * (m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
                              if isinstance(m, nn.Conv2d) else m.in_features)

        with autocast_context(ctx.device, dtype), forward_hooks(weight_layers(model), count):
            feats, how = extract_features(model, to_input(x, dtype, cl))
        feats = [f.float() for f in feats]
        if len(feats) < 2:
            raise ProxyError(f"AZ-NAS needs at least 2 features, found {len(feats)} ({how})")
        ent = [feature_entropy(f) for f in feats]
        nan = any(math.isnan(e) for e in ent)
        expressivity = float("-inf") if nan else sum(ent)
        progressivity = float("-inf") if nan else min(b - a for a, b in zip(ent[:-1], ent[1:]))
        pairs = []
        for i in reversed(range(1, len(feats))):
            t = pair_trainability(feats[i - 1], feats[i], ctx.generator)
            if t is not None:
                pairs.append(t)
        trainability = sum(pairs) / len(pairs) if pairs else float("nan")
        complexity = float(macs[0])
        comps = {"expressivity": expressivity, "progressivity": progressivity, "trainability": trainability,
                 "complexity": complexity}
        extra = {**comps, "entropies": ent, "pairs": len(pairs), "features": len(feats), "feature_points": how,
                 "component": component, "init": init, "data": data_source(ctx),
                 "dtype": str(dtype).replace("torch.", "")}
        return comps[component], extra
