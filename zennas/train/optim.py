"""Optimizers (no weight decay on BN and biases) and the per-sample learning-rate schedule.

Schedule (ZENNAS_SPEC §6.2), with n = training samples seen so far (global: batch x world size per
micro-batch), W = warmup epochs x samples per epoch, T = epochs x samples per epoch:

* warm-up, n < W: ``lr = base * (n + 1) / W``;
* afterwards, ``r = (n - W + 1) / (T - W)``:
  cosine ``lr = base + (target - base) * (1 - cos(pi * r)) / 2``; linear ``lr = base + (target - base) * r``;
  stagedecay ``lr = base * decay**m``, m = number of boundaries b with epoch > b, epoch = n / samples per epoch.

The trainer sets the LR before every optimizer step and fast-forwards n to epoch x samples per epoch
at the start of each epoch (as the original re-created its scheduler every epoch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import torch
from torch import nn

from zennas.train.config import ConfigError, OptimOptions


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Two groups: conv/linear weights with ``weight_decay``; everything else (BN affine, all biases,
    other norms/embeddings) without."""
    decay, no_decay, seen = [], [], set()
    for m in model.modules():
        for name, p in m.named_parameters(recurse=False):
            if id(p) in seen or not p.requires_grad:
                continue
            seen.add(id(p))
            is_weight = name == "weight" and isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear))
            (decay if is_weight else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def build_optimizer(params: Iterable[dict], o: OptimOptions, lr: float) -> torch.optim.Optimizer:
    params = list(params)
    if o.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=o.momentum, nesterov=o.nesterov)
    if o.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr)
    if o.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr)
    if o.optimizer == "adadelta":
        return torch.optim.Adadelta(params, lr=lr, rho=o.adadelta_rho, eps=o.adadelta_eps)
    if o.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=0.9, momentum=o.momentum)
    raise ConfigError(f"unknown --optimizer {o.optimizer!r}")


@dataclass(frozen=True)
class LRSchedule:
    """``lr(n)`` for n samples seen (module docstring has the formulas)."""

    mode: str
    base_lr: float
    target_lr: float
    warmup_epochs: float
    epochs: int
    samples_per_epoch: int
    stage_list: tuple[float, ...] = ()
    stage_decay: float | None = None

    def __post_init__(self) -> None:
        if self.mode not in ("cosine", "linear", "stagedecay"):
            raise ConfigError(f"--lr_mode must be cosine, linear or stagedecay, got {self.mode!r}")
        if self.samples_per_epoch < 1:
            raise ConfigError("the training set is empty")

    def __call__(self, n: int) -> float:
        W = self.warmup_epochs * self.samples_per_epoch
        T = self.epochs * self.samples_per_epoch
        if n < W:
            return self.base_lr * (n + 1) / W
        if self.mode == "stagedecay":
            epoch = n / self.samples_per_epoch
            m = sum(1 for b in self.stage_list if epoch > b)
            return self.base_lr * self.stage_decay ** m
        r = min(1.0, (n - W + 1) / (T - W)) if T > W else 1.0
        if self.mode == "cosine":
            return self.base_lr + (self.target_lr - self.base_lr) * (1 - math.cos(math.pi * r)) / 2
        return self.base_lr + (self.target_lr - self.base_lr) * r


def parse_stage_list(text: str | None) -> tuple[float, ...]:
    if not text:
        return ()
    try:
        return tuple(float(x) for x in str(text).replace(" ", "").split(",") if x)
    except ValueError:
        raise ConfigError(f"--lr_stage_list: expected 'e1,e2,...' epochs, got {text!r}") from None


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for g in optimizer.param_groups:
        g["lr"] = lr


def clip_gradients(params: Iterable[torch.Tensor], value: float | None, mode: str) -> None:
    """Clip by value (the original) or by global L2 norm; no-op when ``value`` is None."""
    if value is None:
        return
    if mode == "norm":
        nn.utils.clip_grad_norm_(list(params), value)
    else:
        nn.utils.clip_grad_value_(list(params), value)
