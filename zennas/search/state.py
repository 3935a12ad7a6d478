"""Mutable state of a search run (what a checkpoint holds) and the score-cache entry."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from zennas.search import outputs as out
from zennas.search.checkpoint import restore_rng, rng_state
from zennas.search.config import SearchConfig
from zennas.search.population import Population

COST_KEYS = ("params", "flops", "layers", "mac", "exact_params", "exact_macs", "peak", "latency")


class _Cached:
    __slots__ = ("status", "score", "reason", "costs", "seed")

    def __init__(self, status: str, score: float | None, reason: str | None, costs: dict, seed: int | None):
        self.status, self.score, self.reason, self.costs, self.seed = status, score, reason, costs, seed


class _State:
    """Everything that changes during the loop (and goes into a checkpoint)."""

    def __init__(self, cfg: SearchConfig, seed: int) -> None:
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.pop = Population()
        self.cache: dict[str, _Cached] = {}
        self.t = 0
        self.t_at_start = 0
        self.n_scored = self.n_failed = self.n_rejected = self.n_duplicate = self.n_inserted = 0
        self.n_failed_cached = 0
        self.consecutive_rejections = 0
        self.rejections_by: dict[str, int] = {}
        self.streak_min: dict[str, tuple] = {}
        self.proxy_seconds = self.build_seconds = 0.0
        self.elapsed_before = 0.0
        self._t0 = time.perf_counter()
        self.last_improvement = 0
        self.history: list[tuple[int, float, float]] = []
        self.points: dict[str, list] = {"score": [], "params": [], "flops": []}
        self.finished = False
        self.stopped_by = ""

    def elapsed_now(self) -> float:
        return self.elapsed_before + time.perf_counter() - self._t0

    _COUNTERS = ("n_scored", "n_failed", "n_rejected", "n_duplicate", "n_inserted", "n_failed_cached",
                 "consecutive_rejections", "proxy_seconds", "build_seconds", "last_improvement")

    def counters(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self._COUNTERS}
        d["rejections_by"] = dict(self.rejections_by)
        return d

    def state(self, log_bytes: int, config: dict[str, Any]) -> dict[str, Any]:
        return {"iteration": self.t, "seed": self.seed, "rng": rng_state(self.rng), "population": self.pop.state(),
                "counters": self.counters(), "streak_min": {k: list(v) for k, v in self.streak_min.items()},
                "elapsed": self.elapsed_now(), "history": self.history, "log_bytes": log_bytes,
                "config": config, "finished": self.finished, "stopped_by": self.stopped_by}

    def restore(self, ck: dict[str, Any]) -> None:
        self.t = self.t_at_start = int(ck["iteration"])
        self.rng = restore_rng(ck["rng"])
        self.pop = Population.from_state(ck["population"])
        c = ck["counters"]
        for k in self._COUNTERS:
            setattr(self, k, c[k])
        self.rejections_by = dict(c["rejections_by"])
        self.streak_min = {k: tuple(v) for k, v in ck.get("streak_min", {}).items()}
        self.elapsed_before = float(ck["elapsed"])
        self._t0 = time.perf_counter()
        self.history = [tuple(h) for h in ck["history"]]

    def replay_log(self, path: Path) -> None:
        """Rebuild the score cache and the plot points from the (truncated) candidates log."""
        for r in out.read_candidates(path):
            s = r["structure"]
            costs = {k: r[k] for k in COST_KEYS if k in r}
            if r["status"] in ("accepted", "duplicate") and r.get("score") is not None:
                if s not in self.cache:
                    self.cache[s] = _Cached("accepted", r["score"], None, costs, r.get("proxy_seed"))
                if r["status"] == "accepted" or r.get("reason") == "cached score re-inserted":
                    self.points["score"].append(r["score"])
                    self.points["params"].append(r.get("params"))
                    self.points["flops"].append(r.get("flops"))
            elif s not in self.cache and r["status"] in ("rejected", "failed"):
                self.cache[s] = _Cached(r["status"], None, r.get("reason"), costs, r.get("proxy_seed"))
