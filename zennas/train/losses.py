"""Classification losses (ZENNAS_SPEC §6.3): plain cross-entropy, or the soft-target cross-entropy
``-sum_k t_k log softmax(z)_k`` (batch mean) when label smoothing or mixup is on.

* label smoothing: ``t = (1 - eps) * onehot + eps / K`` with eps = 0.1;
* mixup: lambda ~ Beta(alpha, alpha) once per batch (torch's global generator, so it is part of the
  checkpointed RNG state), a random permutation ``p`` of the batch, ``x = lam * x + (1 - lam) * x[p]``
  and ``t = lam * t + (1 - lam) * t[p]``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

SMOOTHING_EPS = 0.1


def soft_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``mean_i -sum_k target_ik * log_softmax(logits_i)_k`` (computed in float32)."""
    return -(target * F.log_softmax(logits.float(), dim=1)).sum(dim=1).mean()


class Criterion:
    """Turns a labelled batch into (inputs, targets) and scores logits against those targets."""

    def __init__(self, num_classes: int, *, label_smoothing: bool = False, mixup: bool = False,
                 mixup_alpha: float = 0.2) -> None:
        self.num_classes = num_classes
        self.eps = SMOOTHING_EPS if label_smoothing else 0.0
        self.mixup = mixup
        self.alpha = mixup_alpha
        self.soft = label_smoothing or mixup

    def prepare(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(inputs, target)``: target is ``y`` itself for plain CE, else soft targets (B x K)."""
        if not self.soft:
            return x, y
        t = F.one_hot(y, self.num_classes).float()
        if self.eps:
            t = t * (1 - self.eps) + self.eps / self.num_classes
        if self.mixup:
            lam = float(torch.distributions.Beta(self.alpha, self.alpha).sample())
            perm = torch.randperm(x.shape[0]).to(x.device)
            x = lam * x + (1 - lam) * x[perm]
            t = lam * t + (1 - lam) * t[perm]
        return x, t

    def __call__(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if target.dtype.is_floating_point:
            return soft_cross_entropy(logits, target)
        return F.cross_entropy(logits.float(), target)
