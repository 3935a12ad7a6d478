"""The per-device latency look-up table: timed units (:mod:`zennas.latency.units`), saved as JSON.

One file per device (CPU model / GPU, capability, cores, torch version: :func:`device_fingerprint`);
inside it one *setting* per (batch size, dtype, memory layout, CPU threads), each holding

* ``entries``: unit key (``role:token@resolution``) -> ``{"median", "min", "p90"}`` seconds per batch,
  ``runs``, ``clock``;
* ``calibration``: per (resolution, classes) the per-network overhead model fitted on measured networks
  (:mod:`zennas.latency.predictor`).

The header records the device description and library versions.  Saves are atomic (a crash leaves the
old or the new file), so an interrupted build resumes where it stopped: entries already present are
not timed again.  Where tables live: ``--latency_lut FILE`` / ``--lut FILE`` explicitly, else
``$ZENNAS_LATENCY_DIR`` or ``$XDG_CACHE_HOME/zennas/latency`` (default ``~/.cache/zennas/latency``) /
``<fingerprint>.json`` (:func:`default_table_path`).
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from zennas.block import DEFAULT_OPTIONS, Options
from zennas.fileio import atomic_write_text
from zennas.latency.measure import (
    LatencyError,
    check_positive,
    clock_fn,
    describe_device,
    device_fingerprint,
    dtype_name,
    percentile,
    pinned_threads,
    resolve_device,
    resolve_dtype,
    sync,
)
from zennas.latency.units import Unit, build_unit

logger = logging.getLogger(__name__)

FORMAT = "zennas-latency-table"
VERSION = 1


@dataclass(frozen=True)
class Setting:
    """What a table entry was timed under (besides the device): batch, dtype, layout, CPU threads."""

    batch_size: int = 1
    dtype: str = "float32"
    channels_last: bool = False
    threads: int = 0  # torch CPU threads (0 on CUDA)

    def __post_init__(self) -> None:
        check_positive(batch_size=self.batch_size)
        object.__setattr__(self, "dtype", dtype_name(self.dtype))

    @property
    def key(self) -> str:
        return f"b{self.batch_size}/{self.dtype}/{'channels_last' if self.channels_last else 'nchw'}/t{self.threads}"

    @classmethod
    def for_device(cls, device: Any, batch_size: int, dtype: Any = "float32", channels_last: bool = False,
                   threads: int | None = None) -> "Setting":
        """The setting on ``device``: ``threads`` defaults to torch's current CPU threads (0 on CUDA)."""
        import torch

        if str(device).strip().lower() == "auto":
            device = resolve_device("auto")
        kind = device.type if hasattr(device, "type") else str(device).split(":")[0]
        t = 0 if kind != "cpu" else int(threads or torch.get_num_threads())
        return cls(int(batch_size), dtype_name(dtype), bool(channels_last), t)

    def describe(self) -> str:
        th = f", {self.threads} CPU thread(s)" if self.threads else ""
        return f"batch {self.batch_size}, {self.dtype}, {'channels_last' if self.channels_last else 'NCHW'}{th}"


def calibration_key(resolution: int, num_classes: int) -> str:
    return f"r{resolution}/c{num_classes}"


def table_dir() -> Path:
    """Where tables live by default: ``$ZENNAS_LATENCY_DIR``, else ``$XDG_CACHE_HOME/zennas/latency``,
    else ``~/.cache/zennas/latency``."""
    env = os.environ.get("ZENNAS_LATENCY_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "zennas" / "latency"


def default_table_path(device: Any = "cpu") -> Path:
    """``table_dir() / <device fingerprint>.json`` (the device must exist here)."""
    return table_dir() / f"{device_fingerprint(device)}.json"


class LatencyTable:
    """A device's latency table (see the module docstring).  ``LatencyTable.load(path)`` /
    ``LatencyTable.new(device)``; ``table.get(setting, unit)`` -> entry or None; ``table.add(...)``;
    ``table.save()`` (atomic)."""

    def __init__(self, data: dict[str, Any], path: str | Path | None = None) -> None:
        self.data = data
        self.path = Path(path) if path is not None else None

    # ---------------------------------------------------------------- files
    @classmethod
    def new(cls, device: Any = "cpu", path: str | Path | None = None) -> "LatencyTable":
        return cls({"format": FORMAT, "version": VERSION, "fingerprint": device_fingerprint(device),
                    "device": describe_device(device), "created": _now(), "settings": {}}, path)

    @classmethod
    def load(cls, path: str | Path) -> "LatencyTable":
        p = Path(path)
        if not p.is_file():
            raise LatencyError(f"latency table {str(p)!r} not found")
        try:
            data = json.loads(p.read_text())
        except (OSError, ValueError) as exc:
            raise LatencyError(f"latency table {str(p)!r} is not readable JSON: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise LatencyError(f"{str(p)!r} is not a zennas latency table (no \"format\": \"{FORMAT}\")")
        if data.get("version") != VERSION:
            raise LatencyError(f"latency table {str(p)!r} has version {data.get('version')!r}; this zennas reads "
                               f"version {VERSION} (rebuild it with benchmark_network_latency.py --build_lut)")
        data.setdefault("settings", {})
        return cls(data, p)

    @classmethod
    def open(cls, path: str | Path, device: Any = "cpu") -> "LatencyTable":
        """Load ``path`` to extend it (it must come from this device), or a new table for ``device``."""
        p = Path(path)
        if not p.exists():
            return cls.new(device, p)
        table = cls.load(p)
        here = device_fingerprint(device)
        if table.fingerprint != here:
            raise LatencyError(f"latency table {str(p)!r} was measured on {table.device_label} "
                               f"({table.fingerprint}); this device is {here}: extend a table only on its device "
                               f"(give another file)")
        return table

    def save(self, path: str | Path | None = None) -> Path:
        p = Path(path) if path is not None else self.path
        if p is None:
            raise LatencyError("latency table: no file to save to")
        p.parent.mkdir(parents=True, exist_ok=True)
        self.data["updated"] = _now()
        atomic_write_text(p, json.dumps(self.data, indent=1, sort_keys=True) + "\n")
        self.path = p
        return p

    # ---------------------------------------------------------------- content
    @property
    def fingerprint(self) -> str:
        return str(self.data.get("fingerprint", ""))

    @property
    def device(self) -> dict[str, Any]:
        return dict(self.data.get("device", {}))

    @property
    def device_label(self) -> str:
        d = self.device
        cap = d.get("cpu_capability") or d.get("compute_capability") or ""
        return f"{d.get('type', '?')} {d.get('name', '?')}" + (f" ({cap})" if cap else "")

    def settings(self) -> list[str]:
        return sorted(self.data["settings"])

    def _setting(self, setting: Setting, create: bool = False) -> dict[str, Any] | None:
        s = self.data["settings"].get(setting.key)
        if s is None and create:
            s = self.data["settings"][setting.key] = {"batch_size": setting.batch_size, "dtype": setting.dtype,
                                                      "channels_last": setting.channels_last,
                                                      "threads": setting.threads, "entries": {}, "calibration": {}}
        return s

    def find_setting(self, batch_size: int, dtype: Any = "float32", channels_last: bool = False,
                     threads: int | None = None) -> Setting | None:
        """The stored setting with this batch, dtype and layout (and ``threads`` if given; with several thread
        counts stored, the one torch uses now), or None."""
        import torch

        found = [Setting(s["batch_size"], s["dtype"], s["channels_last"], s["threads"])
                 for s in self.data["settings"].values()]
        found = [f for f in found if (f.batch_size, f.dtype, f.channels_last) == (int(batch_size), dtype_name(dtype),
                                                                                  bool(channels_last))]
        if threads is not None:
            found = [f for f in found if f.threads in (int(threads), 0)]
        if len(found) > 1:
            found = [f for f in found if f.threads == torch.get_num_threads()] or found[:1]
        return found[0] if found else None

    def has_setting(self, setting: Setting) -> bool:
        return setting.key in self.data["settings"]

    def entries(self, setting: Setting) -> dict[str, dict[str, Any]]:
        s = self._setting(setting)
        return {} if s is None else s["entries"]

    def get(self, setting: Setting, unit: Unit) -> dict[str, Any] | None:
        return self.entries(setting).get(unit.key)

    def add(self, setting: Setting, unit: Unit, entry: dict[str, Any]) -> None:
        self._setting(setting, create=True)["entries"][unit.key] = entry

    def calibration(self, setting: Setting, resolution: int, num_classes: int) -> dict[str, Any] | None:
        s = self._setting(setting)
        return None if s is None else s["calibration"].get(calibration_key(resolution, num_classes))

    def set_calibration(self, setting: Setting, resolution: int, num_classes: int, cal: dict[str, Any]) -> None:
        self._setting(setting, create=True)["calibration"][calibration_key(resolution, num_classes)] = cal

    def __len__(self) -> int:
        return sum(len(s["entries"]) for s in self.data["settings"].values())

    def summary(self) -> str:
        parts = [f"{k}: {len(s['entries'])} entries, calibrated for {sorted(s['calibration']) or 'nothing'}"
                 for k, s in sorted(self.data["settings"].items())]
        return f"latency table of {self.device_label} ({self.fingerprint}): " + ("; ".join(parts) or "empty")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


# -------------------------------------------------------------------------------------------------- timing
#: distinct weight copies of a repeat unit run L-1 times in a chain (the network has L-1 distinct ones)
MAX_COPIES = 4


@dataclass
class Timer:
    """How entries are timed: device, warm-up passes, timed passes and clock (see measure_latency).

    Units are timed **inside their network** (:meth:`chain`): the network runs unit by unit on the real
    activations, each unit timed with a device synchronisation, so every unit meets the caches and branch
    predictors the previous units left, as in the network.  (Timed alone and repeatedly, a unit finds its
    weights and code hot and comes out 20-30 % faster than its share of a network on a CPU.)"""

    device: Any = "cpu"
    warmup: int = 3
    repeats: int = 10
    clock: str = "wall"

    def chain(self, units: Sequence[tuple[Unit, int]], setting: Setting, want: set[str] | None = None,
              opts: Options = DEFAULT_OPTIONS) -> dict[str, dict[str, Any]]:
        """Entries (``{"median", "min", "p90"}`` seconds per batch and per execution, ``runs``, ``clock``) of
        the units of one network (``want``: only these keys) from ``warmup`` + ``repeats`` passes."""
        import torch

        dev, dt = resolve_device(self.device), resolve_dtype(setting.dtype)
        check_positive(repeats=self.repeats)
        fmt = torch.channels_last if setting.channels_last else torch.contiguous_format
        mods = [[build_unit(u, opts).to(dev, dt, memory_format=fmt).eval() for _ in range(min(n, MAX_COPIES))]
                for u, n in units]
        u0 = units[0][0]
        x = torch.randn(setting.batch_size, u0.in_channels, u0.resolution, u0.resolution, device=dev, dtype=dt)
        x = x.contiguous(memory_format=fmt)
        samples: list[list[float]] = [[] for _ in units]
        with torch.inference_mode(), pinned_threads(setting.threads if dev.type == "cpu" else None):
            now = clock_fn(self.clock, dev)
            for p in range(max(0, self.warmup) + self.repeats):
                y = x
                for j, (_, n) in enumerate(units):
                    t0 = now()
                    for i in range(n):
                        y = mods[j][i % len(mods[j])](y)
                    sync(dev)
                    if p >= self.warmup:
                        samples[j].append((now() - t0) / n)
        out: dict[str, dict[str, Any]] = {}
        for (u, _), runs in zip(units, samples):
            if want is None or u.key in want:
                out.setdefault(u.key, {"median": statistics.median(runs), "min": min(runs),
                                       "p90": percentile(runs, 90), "runs": len(runs), "clock": self.clock})
        return out


def fill_table(table: LatencyTable, setting: Setting, nets: Iterable[Sequence[tuple[Unit, int]]], timer: Timer, *,
               progress: bool | None = None, save_every: float = 30.0, opts: Options = DEFAULT_OPTIONS) -> int:
    """Time the units the table lacks for ``setting``, network by network (:meth:`Timer.chain`), with a
    progress bar; the table is saved atomically every ``save_every`` seconds, at the end and on an
    interruption (so a rerun resumes where it stopped).  Returns the number of entries added."""
    resolve_device(timer.device)
    todo, pending = [], set()
    for units in nets:
        missing = {u.key for u, _ in units if table.get(setting, u) is None and u.key not in pending}
        if missing:
            todo.append((units, missing))
            pending |= missing
    if not todo:
        return 0
    bar = _bar(len(pending), progress, f"timing {setting.key}")
    last, added = time.monotonic(), 0
    try:
        for units, missing in todo:
            for key, entry in timer.chain(units, setting, missing, opts).items():
                table.add(setting, Unit.from_key(key), entry)
                added += 1
            if bar is not None:
                bar.update(len(missing))
            if table.path is not None and time.monotonic() - last >= save_every:
                table.save()
                last = time.monotonic()
    finally:
        if bar is not None:
            bar.close()
        if table.path is not None and added:
            table.save()
    return added


def _bar(total: int, enabled: bool | None, desc: str):
    if enabled is False:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(total=total, desc=desc, unit="unit", disable=None if enabled is None else not enabled,
                dynamic_ncols=True, mininterval=0.5)


__all__ = ["FORMAT", "LatencyTable", "Setting", "Timer", "VERSION", "calibration_key", "default_table_path",
           "fill_table", "table_dir"]
