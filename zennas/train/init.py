"""Weight initialisation rules and BatchNorm settings of the original scripts (ZENNAS_SPEC §6.3).

``--weight_init`` (conv/linear weights; biases zeroed, BN gamma=1 beta=0 except for ``None``):

* ``None``: PyTorch defaults (a warning is logged);
* ``xavier``: Xavier-normal with the ReLU gain sqrt(2) for convs;
* ``MSRAPrelu``: Xavier-normal with gain 3.26033 for convs (MXNet's magnitude 2/(1+0.25^2) x 3 convention)
  and N(0, (3.26033 * sqrt(2 / (fan_in + fan_out)))^2) for Linear;
* ``stupid``: N(0, 1/fan_in); ``zero``: N(0, 1/fan_in) x 1e-3 (1e-4 in the teacher-student script);
  ``01``: N(0, 1/fan_in) x 0.1;
* ``custom``: the model's own ``init_parameters()`` (MasterNet: MSRAPrelu + zero gamma for the last BN of
  every residual branch).
"""

from __future__ import annotations

import logging
import math

import torch
from torch import nn

from zennas.train.config import ConfigError

logger = logging.getLogger("zennas.train")
MSRA_PRELU_GAIN = 3.26033


def _fan_in(w: torch.Tensor) -> int:
    return w.shape[1] * (w[0, 0].numel() if w.ndim > 2 else 1)


def init_weights(model: nn.Module, rule: str, *, zero_scale: float = 1e-3) -> None:
    """Apply ``rule`` in place (see the module docstring)."""
    if rule == "None":
        logger.warning("--weight_init None: PyTorch default initialisation (the recipes use --weight_init custom)")
        return
    if rule == "custom":
        if not hasattr(model, "init_parameters"):
            raise ConfigError(f"--weight_init custom needs a model with init_parameters() (MasterNet / zoo "
                              f"networks); {type(model).__name__} has none: use MSRAPrelu or xavier")
        model.init_parameters()
        return
    scale = {"stupid": 1.0, "zero": zero_scale, "01": 0.1}.get(rule)
    if scale is None and rule not in ("xavier", "MSRAPrelu"):
        raise ConfigError(f"unknown --weight_init {rule!r}")
    for m in model.modules():
        is_conv, is_fc = isinstance(m, nn.Conv2d), isinstance(m, nn.Linear)
        if is_conv or is_fc:
            w = m.weight
            if scale is not None:
                nn.init.normal_(w, 0.0, scale * math.sqrt(1.0 / _fan_in(w)))
            elif rule == "xavier" and is_conv:
                nn.init.xavier_normal_(w, gain=nn.init.calculate_gain("relu"))
            elif rule == "MSRAPrelu" and is_conv:
                nn.init.xavier_normal_(w, gain=MSRA_PRELU_GAIN)
            elif rule == "MSRAPrelu":
                nn.init.normal_(w, 0.0, MSRA_PRELU_GAIN * math.sqrt(2.0 / (m.in_features + m.out_features)))
            if m.bias is not None and (scale is not None or is_conv or rule == "MSRAPrelu"):
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.modules.batchnorm._BatchNorm) and m.affine:
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def set_bn_options(model: nn.Module, momentum: float | None = None, eps: float | None = None) -> int:
    """Set momentum / eps of every BatchNorm (PyTorch convention: new = (1-m) old + m batch).
    Returns the number of BN layers changed."""
    n = 0
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            if momentum is not None:
                m.momentum = momentum
            if eps is not None:
                m.eps = eps
            n += 1
    return n
