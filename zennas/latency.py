"""Latency measurement shared by the search's latency budget and the benchmark tools.

``measure_latency`` runs ``warmup`` untimed forwards, then ``repeats`` timed forwards of one batch in
eval mode without gradients, synchronising the device (``torch.cuda.synchronize``) before reading
the clock, and reports the **median** per batch and per image (ZEN measured one unsynchronised pass,
biased low; ZENNAS_SPEC §6.8).  The record also stores batch size, dtype, device name and versions.
"""

from __future__ import annotations

import platform
import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class LatencyResult:
    per_image: float  # seconds, median over the timed runs / batch size
    per_batch: float  # seconds, median
    runs: list[float] = field(default_factory=list)  # seconds per batch, every timed run
    batch_size: int = 1
    resolution: int = 224
    dtype: str = "float32"
    device: str = "cpu"
    device_name: str = ""
    torch_version: str = ""
    warmup: int = 3

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _device_name(dev) -> str:
    import torch

    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev)
    return platform.processor() or platform.machine()


def _sync(dev) -> None:
    import torch

    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    elif dev.type == "mps":  # pragma: no cover - Apple only
        torch.mps.synchronize()


def measure_latency(model, *, resolution: int, batch_size: int = 1, device: Any = "cpu", dtype: Any = "float32",
                    warmup: int = 3, repeats: int = 10, channels_last: bool = False,
                    in_channels: int = 3) -> LatencyResult:
    """Median latency of ``model`` on one N(0,1) batch (the model is moved to ``device``/``dtype``)."""
    import torch

    dev = torch.device("cuda" if device == "auto" and torch.cuda.is_available() else
                       "cpu" if device == "auto" else device)
    dt = getattr(torch, str(dtype).replace("torch.", "")) if not isinstance(dtype, torch.dtype) else dtype
    model = model.to(dev, dt).eval()
    x = torch.randn(batch_size, in_channels, resolution, resolution, device=dev, dtype=dt)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    runs: list[float] = []
    with torch.inference_mode():
        for _ in range(max(0, warmup)):
            model(x)
        _sync(dev)
        for _ in range(max(1, repeats)):
            t0 = time.perf_counter()
            model(x)
            _sync(dev)
            runs.append(time.perf_counter() - t0)
    med = statistics.median(runs)
    return LatencyResult(per_image=med / batch_size, per_batch=med, runs=runs, batch_size=batch_size,
                         resolution=resolution, dtype=str(dt).replace("torch.", ""), device=str(dev),
                         device_name=_device_name(dev), torch_version=torch.__version__, warmup=warmup)
