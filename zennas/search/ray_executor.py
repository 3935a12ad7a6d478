"""Scoring on a Ray cluster (``--executor ray [--ray_address ADDR]``; the optional extra ``ray``).

The search process keeps every piece of state (population, cache, budgets, checkpoint); Ray only runs
:func:`~zennas.search.evaluator.score_structure` in actors, one per worker, each reserving
``proxy_threads`` CPUs and scoring with that many intra-op threads.  Jobs go to idle actors in order
and the search merges the scores in order, so the result equals a local run with the same seed and
``generation_size`` (on nodes with the same CPU kind and torch: kernels differ between CPU
generations).  An actor that dies costs its candidate (a failed score naming the reason) and is
replaced.  Without ``ray_address`` a local Ray is started (and shut down at the end); with it the
search joins that cluster (every node needs the same ``RAY_AUTH_TOKEN``, see the README).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import deque
from typing import Any

from zennas.search.config import ConfigError
from zennas.search.evaluator import Job, Score, ScoringSpec
from zennas.search.worker import failed_score

logger = logging.getLogger("zennas.search")


def import_ray():
    try:
        import ray
    except ImportError:
        raise ConfigError("executor ray needs the optional dependency Ray: pip install 'zennas[ray]' (or "
                          "uv sync --extra ray); one machine never needs it (--executor local)") from None
    return ray


class _Scorer:
    """The actor: configured once, then scores (the class is wrapped by ``ray.remote`` lazily)."""

    def __init__(self, spec: ScoringSpec, threads: int) -> None:
        import os

        from zennas.search.worker import configure_scoring_process

        self.spec = spec
        self.setup = configure_scoring_process(threads, worker=False)
        self.pid = os.getpid()

    def ready(self) -> int:
        return self.pid

    def score(self, structure: str, seed: int) -> Score:
        from zennas.search.evaluator import score_structure

        return score_structure(self.spec, structure, seed)


class RayExecutor:
    """``workers`` Ray actors (default: the cluster's CPUs / ``threads``); see the module docstring."""

    def __init__(self, spec: ScoringSpec, workers: int | None, threads: int, address: str | None = None) -> None:
        ray = self.ray = import_ray()
        t0 = time.perf_counter()
        self._owns = not ray.is_initialized()
        if self._owns:
            # no address: a private local Ray ("local"; None would join a cluster another user started here)
            kw: dict[str, Any] = {"address": address or "local", "include_dashboard": False, "log_to_driver": False,
                                  "configure_logging": False}
            if address is None and workers:
                kw["num_cpus"] = workers * threads
            try:
                ray.init(**kw)
            except ConnectionError as exc:
                raise ConfigError(f"cannot join the Ray cluster at {address!r}: {exc}") from None
        self.init_seconds = time.perf_counter() - t0
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = workers if workers else max(1, cpus // threads)
        self.spec, self.threads, self.address = spec, threads, address
        self._actor_cls = ray.remote(num_cpus=threads, max_restarts=0)(_Scorer)
        self._actors = [self._new_actor() for _ in range(self.workers)]
        self._idle: deque = deque(self._actors)
        self._queue: deque[tuple[int, str, int]] = deque()
        self._running: dict[Any, tuple[Any, int]] = {}  # ObjectRef -> (actor, job id)
        self._results: dict[int, Score] = {}
        self._ids = itertools.count()
        self.restarts = 0
        self.ready_seconds: float | None = None
        self._t0 = t0

    def _new_actor(self):
        return self._actor_cls.remote(self.spec, self.threads)

    def wait_ready(self, timeout: float = 300.0) -> float:
        """Block until every actor is up; seconds since this executor was created (Ray start included)."""
        self.ray.get([a.ready.remote() for a in self._actors], timeout=timeout)
        if self.ready_seconds is None:
            self.ready_seconds = time.perf_counter() - self._t0
        return self.ready_seconds

    def pids(self) -> list[int]:
        return self.ray.get([a.ready.remote() for a in self._actors])

    def submit(self, job: Job) -> int:
        jid = next(self._ids)
        self._queue.append((jid, job.candidate.structure, job.seed))
        self._pump()
        return jid

    def _pump(self) -> None:
        while self._queue and self._idle:
            jid, s, seed = self._queue.popleft()
            actor = self._idle.popleft()
            self._running[actor.score.remote(s, seed)] = (actor, jid)

    def result(self, jid: int) -> Score:
        ray = self.ray
        while jid not in self._results:
            self._pump()
            done, _ = ray.wait(list(self._running), num_returns=1)
            for ref in done:
                actor, j = self._running.pop(ref)
                try:
                    self._results[j] = ray.get(ref)
                    self._idle.append(actor)
                except (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError) as exc:
                    why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                    self._results[j] = failed_score(f"Ray scoring actor died ({type(exc).__name__}: {why}) while "
                                                    f"scoring this candidate; a new actor replaces it")
                    logger.warning("Ray scoring actor died while scoring a candidate (%s): replacing it", why)
                    self._replace(actor)
                except ray.exceptions.RayTaskError as exc:
                    self._results[j] = failed_score(f"worker error: {exc}")
                    self._idle.append(actor)
        return self._results.pop(jid)

    def _replace(self, actor) -> None:
        try:
            self.ray.kill(actor)
        except Exception:  # noqa: BLE001 - already gone
            pass
        new = self._new_actor()
        self._actors[self._actors.index(actor)] = new
        self._idle.append(new)
        self.restarts += 1

    def describe(self) -> str:
        where = self.address or "a local Ray"
        return f"{self.workers} actor(s) on {where}, {self.threads} CPU/intra-op thread(s) each"

    def close(self, abandon: bool = False) -> None:
        for a in self._actors:
            try:
                self.ray.kill(a)
            except Exception:  # noqa: BLE001
                pass
        self._actors, self._running, self._idle = [], {}, deque()
        if self._owns and self.ray.is_initialized():
            self.ray.shutdown()


__all__ = ["RayExecutor", "import_ray"]
