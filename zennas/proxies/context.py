"""Per-call settings of a proxy and the RNG / device / dtype policy.

* :class:`ProxyContext` carries resolution, batch size, device, precision and a *private* seeded
  ``torch.Generator``: every random draw of a proxy comes from it (drawn on the CPU, then moved, so a
  score does not depend on the device's RNG); the global RNG state is never read or changed.
* :func:`effective_precision` decides the compute dtype and memory format: a proxy states its
  default ("fast", "fp32", "fp64"), the caller may override it.  "fast" on a CPU is chosen per
  network, from measurements (``benchmarks/precision.py``, 1 intra-op thread, batch 64 at 32x32):

  - native bf16 (oneDNN reports AVX-512 BF16 / AMX): bf16 autocast everywhere (1.4-2.7x faster than
    fp32 at every size measured, 5M to 800M MACs per image); channels_last from
    :data:`FAST_CL_MIN_MACS` multiply-accumulates per forward pass (MACs per image x batch) up,
    contiguous below (small nets: contiguous 0.031 s vs channels_last 0.039 s per Zen score at 5M MACs;
    larger nets: channels_last 1.1-1.6x faster);
  - no native bf16 (AVX2; bf16 convolutions are ~10x slower there): fp32 channels_last (1.0-1.6x
    faster than contiguous from 5M to 500M MACs, equal above).

  ``ZENNAS_NATIVE_BF16=0`` (or ``1``) overrides the detection, e.g. to run the AVX2 policy on an
  AVX-512 machine; that changes the policy only, not the kernels (``ONEDNN_MAX_CPU_ISA=AVX2`` set
  before torch starts does that too).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import Any, Iterable

import torch
from torch import nn

from zennas.proxies.base import ProxyError

_PRECISIONS = {
    "auto": None, "float32": torch.float32, "fp32": torch.float32, "float": torch.float32,
    "bfloat16": torch.bfloat16, "bf16": torch.bfloat16, "float16": torch.float16, "fp16": torch.float16,
    "half": torch.float16, "float64": torch.float64, "double": torch.float64, "fp64": torch.float64,
}


def parse_dtype(dtype: Any) -> torch.dtype | None:
    """``None``/"auto" -> None (the proxy's default); strings like "bf16" or torch dtypes otherwise."""
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    key = str(dtype).lower().replace("torch.", "")
    if key not in _PRECISIONS:
        raise ValueError(f"unknown dtype {dtype!r}; use one of {sorted(_PRECISIONS)}")
    return _PRECISIONS[key]


#: "fast" proxies on a CPU with native bf16 use channels_last from this many MACs per forward pass up
FAST_CL_MIN_MACS = 1.0e9
NATIVE_BF16_ENV = "ZENNAS_NATIVE_BF16"


def cpu_has_fast_bf16() -> bool:
    """True when oneDNN reports native bf16 support (AVX-512 bf16 / AMX); ``ZENNAS_NATIVE_BF16=0|1``
    overrides the detection (the policy only: kernels stay what the CPU has)."""
    forced = os.environ.get(NATIVE_BF16_ENV, "").strip().lower()
    if forced in ("0", "1", "false", "true", "no", "yes", "off", "on"):
        return forced in ("1", "true", "yes", "on")
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:  # noqa: BLE001 - any failure means "don't use it"
        return False


def cpu_features() -> dict[str, Any]:
    """What the CPU policy sees: torch's kernel capability, oneDNN's native bf16, the override, threads."""
    try:
        native = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:  # noqa: BLE001
        native = False
    return {"capability": torch.backends.cpu.get_cpu_capability(), "onednn_native_bf16": native,
            "policy_native_bf16": cpu_has_fast_bf16(), "override": os.environ.get(NATIVE_BF16_ENV),
            "onednn_max_cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA"), "threads": torch.get_num_threads()}


@dataclass
class ProxyContext:
    """Per-call settings handed to ``Proxy.compute``; random draws come from ``generator`` only."""

    resolution: int
    batch_size: int
    num_classes: int | None
    device: torch.device
    generator: torch.Generator
    dtype: torch.dtype | None = None  # None: proxy default; float32; bfloat16/float16 (autocast); float64
    channels_last: bool | None = None  # None: proxy default
    dataloader: Iterable | None = None
    repeat: int = 1
    gamma: float = 0.01
    split: int = 1  # >1 after an out-of-memory: process the batch in this many chunks
    options: dict[str, Any] = field(default_factory=dict)
    macs: float | None = None  # MACs per image of the network (size-dependent precision policy), if known
    native_bf16: bool | None = None  # None: detect (cpu_has_fast_bf16); set by a search so every worker agrees

    def randn(self, *shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """N(0,1) tensor drawn on the CPU from the private generator, then moved (device-independent)."""
        return torch.randn(*shape, generator=self.generator, dtype=dtype).to(self.device)

    def randint(self, high: int, n: int) -> torch.Tensor:
        return torch.randint(0, high, (n,), generator=self.generator).to(self.device)

    def input_shape(self, batch: int | None = None) -> tuple[int, int, int, int]:
        return (batch or self.batch_size, 3, self.resolution, self.resolution)

    def chunks(self, t: torch.Tensor) -> list[torch.Tensor]:
        """The batch in ``split`` chunks (one chunk unless an OOM forced a split)."""
        return list(torch.chunk(t, max(1, self.split), dim=0)) if self.split > 1 else [t]

    def data_batch(self, need_labels: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(images, labels): the first batch of ``dataloader`` if given, else N(0,1) images and
        uniform random labels in [0, num_classes) as the original."""
        if self.dataloader is not None:
            batch = next(iter(self.dataloader))
            x, y = (batch[0], batch[1]) if isinstance(batch, (list, tuple)) else (batch, None)
            x = x[: self.batch_size].to(self.device, torch.float32)
            if y is not None:
                y = y[: self.batch_size].to(self.device)
            if need_labels and y is None:
                raise ProxyError("this proxy needs labels but the dataloader yields images only")
            return x, y
        x = self.randn(*self.input_shape())
        y = None
        if need_labels:
            if not self.num_classes:
                raise ProxyError("num_classes is required to draw random labels")
            y = self.randint(self.num_classes, self.batch_size)
        return x, y

    def opt(self, key: str, default: Any) -> Any:
        return self.options.get(key, default)


def resolve_device(device: Any) -> torch.device:
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ProxyError(f"device {device!r} requested but CUDA is not available; use --device cpu")
    return dev


def effective_precision(ctx: ProxyContext, default: str) -> tuple[torch.dtype, bool]:
    """(compute dtype, channels_last) for this call.  ``default`` is the proxy's choice when the user
    gave no dtype: "fast" = bf16 autocast on a CPU with native bf16, else fp32, with the layout chosen
    by network size (module docstring); "fp32"; "fp64".  Without a size (``ctx.macs``) a CPU gets
    channels_last."""
    cpu = ctx.device.type == "cpu"
    dtype = ctx.dtype
    if dtype is None:
        native = ctx.native_bf16 if ctx.native_bf16 is not None else cpu_has_fast_bf16()
        if default == "fast" and cpu and native:
            dtype = torch.bfloat16
        elif default == "fp64":
            dtype = torch.float64
        else:
            dtype = torch.float32
    cl = ctx.channels_last
    if cl is None:
        cl = cpu and dtype != torch.float64
        if cl and default == "fast" and dtype == torch.bfloat16 and ctx.macs is not None:
            cl = ctx.macs * ctx.batch_size >= FAST_CL_MIN_MACS
    return dtype, cl


def prepare_model(model: nn.Module, ctx: ProxyContext, dtype: torch.dtype, channels_last: bool) -> nn.Module:
    """Move to the device; float64 converts the module, bf16/fp16 stay fp32 weights under autocast.

    The layout is set explicitly both ways (a module left channels_last by an earlier in-place proxy
    would otherwise run a slow mixed-layout path with contiguous inputs).  Tensors already on the
    device and in the layout are left alone (no walk through ``Module._apply``: it costs milliseconds
    on a small network whose score takes tens of milliseconds)."""
    tensors = [*model.parameters(), *model.buffers()]
    if any(t.device != ctx.device for t in tensors):
        model = model.to(ctx.device)
        tensors = [*model.parameters(), *model.buffers()]
    if dtype == torch.float64:
        model = model.double()
        tensors = [*model.parameters(), *model.buffers()]
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    with torch.no_grad():
        for t in tensors:
            if t.dim() == 4 and not t.is_contiguous(memory_format=fmt):
                t.data = t.data.contiguous(memory_format=fmt)
    return model


def to_input(x: torch.Tensor, dtype: torch.dtype, channels_last: bool) -> torch.Tensor:
    if dtype == torch.float64:
        x = x.double()
    if channels_last and x.dim() == 4:
        x = x.contiguous(memory_format=torch.channels_last)
    return x


def autocast_context(device: torch.device, dtype: torch.dtype):
    """Autocast for bf16/fp16, a no-op context otherwise."""
    if dtype in (torch.bfloat16, torch.float16):
        return torch.autocast(device_type=device.type, dtype=dtype)
    return contextlib.nullcontext()


__all__ = ["FAST_CL_MIN_MACS", "NATIVE_BF16_ENV", "ProxyContext", "autocast_context", "cpu_features",
           "cpu_has_fast_bf16", "effective_precision", "parse_dtype", "prepare_model", "resolve_device", "to_input"]
