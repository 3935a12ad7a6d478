"""Mixed precision with ``torch.amp`` (autocast + GradScaler) behind the original's flags.

NVIDIA apex is on no package registry and its ``amp`` is deprecated upstream in favour of
``torch.amp``, which is the same technique built into PyTorch (per-op casting lists, dynamic loss
scaling) and works on CPU too.  So even where apex is importable it is not used; the legacy flags map
onto torch.amp and the log says so once:

=====================================  ==========================================================
``--fp16``                             float16 autocast + GradScaler (the original cast the whole
                                       model to half without loss scaling)
``--bf16``                             bfloat16 autocast, no scaler
``--apex --apex_opt_level O0``         float32 (apex O0 is pure fp32)
``--apex --apex_opt_level O1/O2/O3``   float16 autocast + GradScaler on CUDA; on CPU bfloat16
                                       autocast where the CPU has native bf16, else float32
``--apex_loss_scale dynamic | S``      GradScaler with dynamic scaling | fixed initial scale S
                                       that never grows (it still backs off on inf/NaN steps)
=====================================  ==========================================================
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

import torch

from zennas.train.config import PrecisionOptions

logger = logging.getLogger("zennas.train")


def cpu_has_native_bf16() -> bool:
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:  # pragma: no cover - older builds
        return False


@dataclass
class Precision:
    device_type: str
    dtype: torch.dtype | None  # autocast dtype; None = float32
    scaler: torch.amp.GradScaler
    channels_last: bool
    description: str

    def autocast(self):
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    @property
    def memory_format(self) -> torch.memory_format:
        return torch.channels_last if self.channels_last else torch.contiguous_format


def precision_plan(p: PrecisionOptions, device_type: str, native_bf16: bool
                   ) -> tuple[torch.dtype | None, str | None, str]:
    """``(autocast dtype or None, loss scale: None | "dynamic" | "<number>", note)`` for the flags."""
    dtype, scale, note = None, None, ""
    if p.apex:
        if p.apex_opt_level == "O0":
            note = "apex O0 = float32"
        elif device_type == "cuda":
            dtype, scale = torch.float16, p.apex_loss_scale
        elif native_bf16:
            dtype, note = torch.bfloat16, "no CUDA: bfloat16 autocast (native bf16 CPU)"
        else:
            note = "no CUDA and no native bf16 on this CPU: float32"
        if p.apex_opt_level in ("O2", "O3") and dtype is not None:
            note = f"{note + '; ' if note else ''}{p.apex_opt_level} master-weight casting is not emulated"
    elif p.fp16:
        dtype, scale = torch.float16, "dynamic"
    elif p.bf16:
        dtype = torch.bfloat16
    return dtype, scale, note


def resolve_precision(p: PrecisionOptions, device: torch.device) -> Precision:
    dev = device.type
    dtype, scale, note = precision_plan(p, dev, cpu_has_native_bf16())
    if dtype == torch.float16 and dev == "cpu":
        logger.warning("float16 autocast on CPU runs emulated kernels (often 10-100x slower); --bf16 is the CPU "
                       "mixed precision")
    if p.bf16 and dev == "cpu" and not cpu_has_native_bf16():
        logger.warning("--bf16 on a CPU without native bf16 (%s): bf16 kernels are emulated and slow",
                       torch.backends.cpu.get_cpu_capability())
    if scale is None:
        scaler = torch.amp.GradScaler(dev, enabled=False)
    elif scale == "dynamic":
        scaler = torch.amp.GradScaler(dev)
    else:
        scaler = torch.amp.GradScaler(dev, init_scale=float(scale), growth_interval=2**30)
    what = "float32" if dtype is None else f"torch.autocast({dev}, {str(dtype).replace('torch.', '')})"
    if scaler.is_enabled():
        what += f" + GradScaler({'dynamic' if scale == 'dynamic' else 'fixed ' + str(scale)})"
    if p.channels_last:
        what += ", channels_last"
    if p.apex:
        logger.info("legacy --apex (opt_level %s, loss_scale %s) -> torch.amp: %s%s; NVIDIA apex is not used",
                    p.apex_opt_level, p.apex_loss_scale, what, f" ({note})" if note else "")
    else:
        logger.info("precision: %s", what)
    return Precision(dev, dtype, scaler, p.channels_last, what)
