"""Conv/linear multiply-accumulates of any ``nn.Module``, counted on a real forward (the FLOPs proxy on
modules; structures are counted analytically by :mod:`zennas.costs`)."""

from __future__ import annotations

import torch
from torch import nn

from zennas.proxies.hooks import forward_hooks, preserve_module_state, weight_layers


@torch.no_grad()
def count_macs(model: nn.Module, resolution: int, device: torch.device | str = "cpu") -> int:
    """Conv2d/Linear multiply-accumulates of one (1, 3, H, W) forward, counted with forward hooks:
    conv = out.numel() * (C_in / groups) * k_h * k_w, linear = out.numel() * in_features.
    BN, activations, pooling and element-wise ops are not counted.  The model is run in eval mode on
    a deepcopy-free path: modes are restored afterwards."""
    total = [0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            total[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        else:
            total[0] += out.numel() * m.in_features

    p = next(model.parameters(), None)
    dev = p.device if p is not None else torch.device(device)
    dt = p.dtype if p is not None else torch.float32
    with preserve_module_state(model), forward_hooks(weight_layers(model), hook):
        model.eval()
        model(torch.zeros(1, 3, resolution, resolution, device=dev, dtype=dt))
    return int(total[0])


__all__ = ["count_macs"]
