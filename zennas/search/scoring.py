"""Candidate scoring: per-candidate proxy seeds and the Scorer used by the search loop."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

from zennas.search.budgets import Candidate


def derive_seed(seed: int, structure: str) -> int:
    """Per-candidate proxy seed: 63 bits of BLAKE2b(seed, structure) (independent of PYTHONHASHSEED)."""
    h = hashlib.blake2b(f"{seed}\x00{structure}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "little") & 0x7FFFFFFFFFFFFFFF


# ---------------------------------------------------------------------------------------------- scoring
@dataclass
class Score:
    ok: bool
    score: float
    error: str | None = None
    proxy_seconds: float = 0.0
    build_seconds: float = 0.0


class Scorer:
    """Scores a candidate with a registered proxy.

    Forward-free proxies (``needs_model=False``): Params/FLOPs straight from
    ``compute_costs(no_reslink=True)`` of the parsed blocks (what the proxy itself computes), others
    via ``compute_proxy`` on the string.  Model proxies: the no_reslink MasterNet is built from the
    parsed blocks and handed to ``compute_proxy(..., inplace=True)``.
    """

    def __init__(self, name: str, *, resolution: int, batch_size: int, num_classes: int, device: str,
                 dtype: str | None = None, repeat: int = 1, gamma: float = 0.01,
                 options: dict[str, Any] | None = None) -> None:
        from ZeroShotProxy import PROXIES

        self.cls = PROXIES.get(name)
        self.name = self.cls.info.name
        self.needs_model = self.cls.info.needs_model
        self.resolution, self.batch_size, self.num_classes = resolution, batch_size, num_classes
        self.device, self.dtype, self.repeat, self.gamma = device, dtype, repeat, gamma
        self.options = dict(options or {})
        self._fast = {"Params": "params", "FLOPs": "flops"}.get(self.name) if not self.options else None

    def __call__(self, cand: Candidate, seed: int) -> Score:
        t0 = time.perf_counter()
        if self._fast is not None:
            from zennas.costs import compute_costs

            c = compute_costs(cand.blocks, self.resolution, self.num_classes, no_reslink=True)
            return Score(True, float(getattr(c, self._fast)), None, time.perf_counter() - t0)
        from ZeroShotProxy import compute_proxy

        obj: Any = cand.structure
        build = 0.0
        if self.needs_model:
            from zennas.masternet import build_model

            try:
                obj = build_model(list(cand.blocks), self.num_classes, no_reslink=True)
            except Exception as exc:  # noqa: BLE001 - a build failure is a candidate failure
                return Score(False, math.nan, f"build failed: {type(exc).__name__}: {exc}",
                             0.0, time.perf_counter() - t0)
            build = time.perf_counter() - t0
        r = compute_proxy(self.name, obj, resolution=self.resolution, batch_size=self.batch_size,
                          num_classes=self.num_classes, device=self.device, dtype=self.dtype, seed=seed,
                          repeat=self.repeat, gamma=self.gamma, inplace=True, **self.options)
        del obj
        return Score(bool(r.ok), float(r.score), r.error, r.seconds, build)
