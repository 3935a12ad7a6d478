"""Synchronised latency measurement and the description of the device it ran on.

``measure_latency`` runs ``warmup`` untimed forwards, then ``repeats`` timed forwards of one N(0,1)
batch in eval mode under ``torch.inference_mode``, synchronising the device (``torch.cuda.synchronize``)
before every clock read, and reports the **median** (and min, p90) per batch and per image.  ZEN
timed one unsynchronised pass, which is biased low on CUDA (ZENNAS_SPEC §6.8).  A measurement is not
a pure function: it depends on the machine's load; run it on a quiet machine with pinned threads.

Units: every ``LatencyResult`` time is in **seconds**; ``as_json`` adds milliseconds (``*_ms``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import platform
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any


class LatencyError(ValueError):
    """Bad latency settings (device, dtype, batch, ...) or an unusable latency table; the message
    says what and how to fix it."""


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
    channels_last: bool = False
    threads: int | None = None  # torch CPU threads during the measurement
    clock: str = "wall"  # see CLOCKS

    @property
    def min(self) -> float:
        return min(self.runs) if self.runs else self.per_batch

    @property
    def p90(self) -> float:
        return percentile(self.runs, 90) if self.runs else self.per_batch

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def as_json(self) -> dict[str, Any]:
        """The record plus ``median_ms``, ``p90_ms``, ``min_ms`` (per batch) and ``per_image_ms``."""
        return {"median_ms": self.per_batch * 1e3, "p90_ms": self.p90 * 1e3, "min_ms": self.min * 1e3,
                "per_image_ms": self.per_image * 1e3, **self.as_dict()}


def percentile(xs: list[float], q: float) -> float:
    """Linear-interpolated ``q``-th percentile (numpy's default method) of a non-empty list."""
    s = sorted(xs)
    pos = (len(s) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


# ---------------------------------------------------------------------------------------------- settings
def resolve_device(device: Any = "cpu"):
    """``auto`` | ``cpu`` | ``cuda`` | ``cuda:N`` | ``mps`` -> torch.device; LatencyError when the device
    does not exist here (the checks of :func:`zennas.devices.resolve_device`)."""
    import torch

    from zennas.devices import DeviceError
    from zennas.devices import resolve_device as check_device

    if isinstance(device, torch.device):
        device = str(device)
    name = str(device).strip().lower()
    if name.startswith("mps"):  # pragma: no cover - Apple only
        if not torch.backends.mps.is_available():
            raise LatencyError(f"device {str(device)!r} is not available on this machine")
        return torch.device(name)
    try:
        dev = torch.device(check_device(name))
    except DeviceError as exc:
        raise LatencyError(str(exc)) from None
    if dev.type not in ("cpu", "cuda"):
        raise LatencyError(f"device {str(device)!r}: latency is measured on cpu, cuda or mps")
    return dev


def resolve_dtype(dtype: Any = "float32"):
    """float32/fp32, float16/fp16/half, bfloat16/bf16 (or a torch dtype) -> torch.dtype."""
    import torch

    if isinstance(dtype, torch.dtype):
        return dtype
    names = {"float32": torch.float32, "fp32": torch.float32, "float": torch.float32, "float16": torch.float16,
             "fp16": torch.float16, "half": torch.float16, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16}
    key = str(dtype).strip().lower().replace("torch.", "")
    if key not in names:
        raise LatencyError(f"unknown dtype {dtype!r}; use one of {', '.join(sorted(names))}")
    return names[key]


def dtype_name(dtype: Any) -> str:
    return str(resolve_dtype(dtype)).replace("torch.", "")


def check_positive(**values: int | None) -> None:
    """LatencyError naming the first argument that is not a positive integer (None = unset is fine)."""
    for name, v in values.items():
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
            raise LatencyError(f"{name} must be a positive integer, got {v!r}")


def set_threads(threads: int | None) -> int:
    """Pin torch's CPU threads (when given); return the number in use."""
    import torch

    check_positive(threads=threads)
    if threads:
        torch.set_num_threads(int(threads))
    return torch.get_num_threads()


@contextlib.contextmanager
def pinned_threads(threads: int | None):
    """``torch.set_num_threads(threads)`` inside the block (when given), the previous count after it;
    yields the number in use."""
    import torch

    check_positive(threads=threads)
    before = torch.get_num_threads()
    if threads and threads != before:
        torch.set_num_threads(int(threads))
    try:
        yield torch.get_num_threads()
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


#: ``wall``: elapsed time (what a user waits); ``thread``: CPU time of the calling thread (CPU, 1 thread only):
#: time while the process is descheduled is not counted, so it stays close to a quiet machine's wall time
#: on a loaded one (the cache is still shared)
CLOCKS = ("wall", "thread")


def clock_fn(clock: str, dev):
    import torch

    if clock == "wall":
        return time.perf_counter
    if clock == "thread":
        if dev.type != "cpu":
            raise LatencyError("clock 'thread' is the CPU time of this thread: use it with --device cpu")
        if torch.get_num_threads() != 1:
            raise LatencyError(f"clock 'thread' counts only the calling thread: use it with --threads 1 (now "
                               f"{torch.get_num_threads()})")
        return time.thread_time
    raise LatencyError(f"unknown clock {clock!r}; use one of {', '.join(CLOCKS)}")


def sync(dev) -> None:
    import torch

    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    elif dev.type == "mps":  # pragma: no cover - Apple only
        torch.mps.synchronize()


# ---------------------------------------------------------------------------------------------- measuring
def measure_latency(model, *, resolution: int, batch_size: int = 1, device: Any = "cpu", dtype: Any = "float32",
                    warmup: int = 3, repeats: int = 10, channels_last: bool = False, in_channels: int = 3,
                    threads: int | None = None, clock: str = "wall") -> LatencyResult:
    """Median latency of ``model`` on one N(0,1) batch (the model is moved to ``device``/``dtype``).

    ``threads`` pins ``torch.set_num_threads`` during the measurement; ``clock`` see :data:`CLOCKS`."""
    import torch

    check_positive(batch_size=batch_size, repeats=repeats, resolution=resolution, in_channels=in_channels)
    if warmup < 0:
        raise LatencyError(f"warmup must be >= 0, got {warmup}")
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    model = model.to(dev, dt).eval()
    x = torch.randn(batch_size, in_channels, resolution, resolution, device=dev, dtype=dt)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    with pinned_threads(threads if dev.type == "cpu" else None) as n_threads:
        runs = time_forward(model, x, dev, warmup, repeats, clock)
    n_threads = n_threads if dev.type == "cpu" else None
    med = statistics.median(runs)
    return LatencyResult(per_image=med / batch_size, per_batch=med, runs=runs, batch_size=batch_size,
                         resolution=resolution, dtype=dtype_name(dt), device=str(dev),
                         device_name=device_name(dev), torch_version=torch.__version__, warmup=warmup,
                         channels_last=bool(channels_last), threads=n_threads, clock=clock)


def time_forward(model, x, dev, warmup: int, repeats: int, clock: str = "wall") -> list[float]:
    """Seconds of each of ``repeats`` synchronised forwards after ``warmup`` untimed ones."""
    import torch

    now = clock_fn(clock, dev)
    runs: list[float] = []
    with torch.inference_mode():
        for _ in range(max(0, warmup)):
            model(x)
        sync(dev)
        for _ in range(max(1, repeats)):
            t0 = now()
            model(x)
            sync(dev)
            runs.append(now() - t0)
    return runs


# ---------------------------------------------------------------------------------------------- device
@functools.lru_cache(maxsize=None)
def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_name(dev) -> str:
    import torch

    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev)
    return _cpu_model()


def native_bf16() -> bool:
    """Whether this CPU computes bf16 natively (oneDNN: AVX-512 bf16 or AMX); without it bf16 convolutions
    are emulated and slower than fp32."""
    from zennas.proxies.context import cpu_has_fast_bf16

    return cpu_has_fast_bf16()


def describe_device(device: Any = "cpu") -> dict[str, Any]:
    """The device and libraries a latency belongs to: kind, name, CPU capability / native bf16 (CPU) or
    compute capability (CUDA), core count, torch / CUDA / Python / NumPy versions, platform."""
    import numpy
    import torch

    dev = resolve_device(device)
    d: dict[str, Any] = {"type": dev.type, "name": device_name(dev)}
    if dev.type == "cpu":
        d.update(cpu_capability=torch.backends.cpu.get_cpu_capability(), native_bf16=native_bf16(),
                 cores=os.cpu_count())
    elif dev.type == "cuda":
        d.update(compute_capability=".".join(map(str, torch.cuda.get_device_capability(dev))),
                 memory_gib=round(torch.cuda.get_device_properties(dev).total_memory / 2**30, 1))
    d["libraries"] = {"torch": torch.__version__, "cuda": torch.version.cuda, "cudnn": _cudnn(),
                      "python": sys.version.split()[0], "numpy": numpy.__version__, "platform": platform.platform()}
    return d


def _cudnn() -> int | None:
    import torch

    try:
        return torch.backends.cudnn.version()
    except Exception:  # noqa: BLE001
        return None


def device_fingerprint(device: Any = "cpu") -> str:
    """A file-name-safe id of (device kind, name, capability, cores, torch major.minor): tables measured on
    another device or library version get another name.  E.g. ``cpu-amd-epyc-avx512-2c-torch2.13-1a2b3c4d``."""
    d = describe_device(device)
    torch_mm = ".".join(d["libraries"]["torch"].split("+")[0].split(".")[:2])
    ident = {k: d.get(k) for k in ("type", "name", "cpu_capability", "cores", "compute_capability")}
    ident["torch"] = torch_mm
    digest = hashlib.sha1(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:8]
    slug = re.sub(r"[^a-z0-9]+", "-", d["name"].lower()).strip("-")[:32] or "unknown"
    extra = (f"-{d['cpu_capability'].lower()}-{d['cores']}c" if d["type"] == "cpu"
             else f"-sm{d.get('compute_capability', '')}")
    return f"{d['type']}-{slug}{extra}-torch{torch_mm}-{digest}"


__all__ = ["CLOCKS", "LatencyError", "LatencyResult", "check_positive", "clock_fn", "describe_device", "device_fingerprint",
           "device_name", "dtype_name", "measure_latency", "native_bf16", "percentile", "pinned_threads", "resolve_device",
           "resolve_dtype", "set_threads", "sync", "time_forward"]
