"""Counters, history and timing of a search run: what a checkpoint holds besides the strategy's state."""

from __future__ import annotations

import time
from typing import Any, Iterable


class SearchState:
    """Everything about a run that changes during the loop, except the population and the RNG (the
    strategy's) and the score cache (the evaluator's, rebuilt from ``candidates.jsonl`` on resume)."""

    _COUNTERS = ("n_scored", "n_failed", "n_rejected", "n_duplicate", "n_inserted", "n_failed_cached",
                 "consecutive_rejections", "proxy_seconds", "build_seconds", "last_improvement")

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.t = 0
        self.t_at_start = 0
        self.n_scored = self.n_failed = self.n_rejected = self.n_duplicate = self.n_inserted = 0
        self.n_failed_cached = 0
        self.consecutive_rejections = 0
        self.rejections_by: dict[str, int] = {}
        self.streak_min: dict[str, tuple] = {}  # budget -> (smallest value, limit, quantity) in the current streak
        self.proxy_seconds = self.build_seconds = 0.0
        self.elapsed_before = 0.0
        self._t0 = time.perf_counter()
        self.last_improvement = 0
        self.history: list[tuple[int, float, float]] = []  # (iteration, seconds, best score) at each new best
        self.points: dict[str, list] = {"score": [], "params": [], "flops": []}  # accepted candidates, for plots
        self.finished = False
        self.stopped_by = ""

    def elapsed_now(self) -> float:
        """Seconds of search so far, over every session of this run (a resume continues the count)."""
        return self.elapsed_before + time.perf_counter() - self._t0

    def stop_clock(self) -> None:
        """End of a session: fold this session's time into ``elapsed_before`` once (so a checkpoint
        written afterwards, and the next resume, count it once)."""
        self.elapsed_before = self.elapsed_now()
        self._t0 = time.perf_counter()

    def counters(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self._COUNTERS}
        d["rejections_by"] = dict(self.rejections_by)
        return d

    def add_point(self, score: float, costs: dict[str, Any]) -> None:
        self.points["score"].append(score)
        self.points["params"].append(costs.get("params"))
        self.points["flops"].append(costs.get("flops"))

    def state(self, strategy_state: dict[str, Any], log_bytes: int, config: dict[str, Any]) -> dict[str, Any]:
        """The checkpoint: iteration, seed, the strategy's RNG and population, counters, log length, config."""
        return {"iteration": self.t, "seed": self.seed, **strategy_state, "counters": self.counters(),
                "streak_min": {k: list(v) for k, v in self.streak_min.items()}, "elapsed": self.elapsed_now(),
                "history": self.history, "log_bytes": log_bytes, "config": config, "finished": self.finished,
                "stopped_by": self.stopped_by}

    def restore(self, ck: dict[str, Any]) -> None:
        self.t = self.t_at_start = int(ck["iteration"])
        c = ck["counters"]
        for k in self._COUNTERS:
            setattr(self, k, c[k])
        self.rejections_by = dict(c["rejections_by"])
        self.streak_min = {k: tuple(v) for k, v in ck.get("streak_min", {}).items()}
        self.elapsed_before = float(ck["elapsed"])
        self._t0 = time.perf_counter()
        self.history = [tuple(h) for h in ck["history"]]

    def restore_points(self, records: Iterable[dict[str, Any]]) -> None:
        """Plot points from ``candidates.jsonl`` records: accepted and re-inserted duplicates."""
        for r in records:
            if r["status"] in ("accepted", "duplicate") and r.get("score") is not None and (
                    r["status"] == "accepted" or r.get("reason") == "cached score re-inserted"):
                self.add_point(r["score"], r)


__all__ = ["SearchState"]
