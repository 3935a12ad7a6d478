"""Exponential moving average of the model weights (validated alongside the model).

After the n-th optimizer step every floating-point entry of the state dict (parameters and BN running
statistics) is updated as ``ema = d_n * ema + (1 - d_n) * value`` with ``d_n = min(decay, (1 + n) / (10 + n))``
(the warm-up keeps early averages from being dominated by the random init); integer buffers are copied.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


class ModelEMA:
    def __init__(self, model: nn.Module, decay: float) -> None:
        self.module = copy.deepcopy(model).eval()
        for p in self.module.parameters():
            p.requires_grad_(False)
        self.decay = decay
        self.updates = 0

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.updates += 1
        d = min(self.decay, (1 + self.updates) / (10 + self.updates))
        src = model.state_dict()
        for k, v in self.module.state_dict().items():
            s = src[k].detach()
            if v.dtype.is_floating_point:
                v.mul_(d).add_(s.to(v.dtype), alpha=1 - d)
            else:
                v.copy_(s)

    def state_dict(self) -> dict:
        return {"state_dict": self.module.state_dict(), "updates": self.updates, "decay": self.decay}

    def load_state_dict(self, d: dict) -> None:
        self.module.load_state_dict(d["state_dict"])
        self.updates = int(d["updates"])
