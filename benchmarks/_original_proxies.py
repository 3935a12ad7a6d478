"""The original ZEN proxy algorithms written plainly (ZENNAS_SPEC §5), as an in-run speed baseline.

These follow the original computations step by step - fp32, default (contiguous) memory format,
``torch.no_grad`` instead of inference mode, the extra backward passes the original ran - so that
"ours vs original" can be measured on the *same* machine in the *same* run instead of against
figures taken elsewhere.  They are a benchmark baseline only (not the library's proxies) and keep no
safety nets (hooks are removed, nothing else).
"""

from __future__ import annotations

import math

import torch
from torch import nn


def gaussian_init(model: nn.Module) -> None:
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.normal_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)) and m.affine:
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def zen(model, res: int, batch: int, num_classes: int, gamma: float = 1e-2) -> float:
    model.train()
    gaussian_init(model)
    with torch.no_grad():
        x = torch.randn(batch, 3, res, res)
        x2 = x + gamma * torch.randn(batch, 3, res, res)
        d = torch.sum(torch.abs(model.forward_pre_GAP(x) - model.forward_pre_GAP(x2)), dim=[1, 2, 3]).mean()
        bn = sum(math.log(math.sqrt(float(m.running_var.mean()))) for m in model.modules()
                 if isinstance(m, nn.BatchNorm2d))
    return math.log(float(d)) + bn


def gradnorm(model, res: int, batch: int, num_classes: int) -> float:
    model.train()
    gaussian_init(model)
    model.zero_grad()
    x = torch.randn(batch, 3, res, res)
    y = torch.randint(0, num_classes, (batch,))
    nn.functional.cross_entropy(model(x), y).backward()
    total = sum(float(p.grad.norm() ** 2) for p in model.parameters() if p.grad is not None)
    return math.sqrt(total)


def naswot(model, res: int, batch: int, num_classes: int) -> float:
    model.train()
    gaussian_init(model)
    K = torch.zeros(batch, batch)

    def hook(mod, inp, out):
        c = (inp[0].reshape(batch, -1) > 0).float()
        K.add_(c @ c.t() + (1.0 - c) @ (1.0 - c).t())

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.ReLU)]
    try:
        x = torch.randn(batch, 3, res, res, requires_grad=True)
        model(x).sum().backward()  # the original ran a backward pass for its hook bookkeeping
    finally:
        for h in hs:
            h.remove()
    return float(torch.linalg.slogdet(K)[1])


def synflow(model, res: int, batch: int, num_classes: int) -> float:
    model.train()
    gaussian_init(model)
    model.double()
    signs = {}
    with torch.no_grad():
        for k, v in model.state_dict().items():
            signs[k] = torch.sign(v)
            v.abs_()
    model.zero_grad()
    model(torch.ones(1, 3, res, res, dtype=torch.float64)).sum().backward()
    s = 0.0
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)) and m.weight.grad is not None:
            sal = (m.weight * m.weight.grad).abs()
            s += float(sal.detach().sum(dim=tuple(range(1, sal.dim()))).mean())
    with torch.no_grad():
        for k, v in model.state_dict().items():
            v.mul_(signs[k])
    model.float()
    return -s  # the original's sign


def tenas(model, res: int, batch: int, num_classes: int) -> float:
    model.train()
    x = torch.randn(batch, 3, res, res)
    out = model(x)
    params = [p for n, p in model.named_parameters() if "weight" in n]
    rows = []
    for i in range(batch):
        model.zero_grad()
        out[i:i + 1].sum().backward(retain_graph=True)
        rows.append(torch.cat([p.grad.reshape(-1).clone() for p in params]))
    g = torch.stack(rows)
    ev = torch.linalg.eigvalsh(g @ g.t())
    return -float(ev[-1] / ev[0])


ORIGINAL_ALGOS = {"Zen": zen, "GradNorm": gradnorm, "NASWOT": naswot, "SynFlow": synflow, "TE-NAS": tenas}
