"""Where candidates are scored: in the search process, in local worker processes, or on Ray.

An executor takes scoring jobs (:class:`~zennas.search.evaluator.Job`) in order and hands back each
one's :class:`~zennas.search.evaluator.Score` when asked; the search merges them in order, so the result
never depends on the executor or on the number of workers (a score is a pure function of the
structure, the :class:`~zennas.search.evaluator.ScoringSpec` and the per-candidate seed, computed with
the same ``proxy_threads`` everywhere).

* :class:`InlineExecutor` - the search process scores (``--workers 0``; the default for forward-free
  proxies, a custom scorer, and CUDA).
* :class:`LocalPool` - ``N`` worker processes (``forkserver``: started by forking a process that has
  imported torch and zennas once, so a replacement costs milliseconds; ``spawn`` elsewhere), one job
  per idle worker, FIFO.  A worker that dies costs only the candidate it was scoring (a failed score
  whose reason names the worker and the signal) and is replaced.
* ``RayExecutor`` (``zennas.search.ray_executor``) - the same over a Ray cluster.

The default number of workers (:func:`choose_workers`): one per usable CPU (affinity and cgroup quota)
divided by ``proxy_threads``, measured fastest on the small networks that dominate a search
(``benchmarks/scaling.py``: single-threaded workers beat intra-op threads on small convolutions).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import multiprocessing as mp
import os
import signal
import sys
import time
from collections import deque
from multiprocessing.connection import wait
from typing import Any, Callable

from zennas.search.config import ConfigError
from zennas.search.evaluator import Job, Score, Scorer, ScoringSpec
from zennas.search.worker import configure_scoring_process, failed_score, worker_main

logger = logging.getLogger("zennas.search")

PRELOAD = ["zennas.search.worker", "zennas.search.evaluator", "zennas.proxies", "zennas.masternet", "zennas.costs"]


def usable_cpus() -> int:
    """CPUs this process may run on: the affinity mask, capped by a cgroup v2 CPU quota."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    try:
        quota, period = open("/sys/fs/cgroup/cpu.max").read().split()[:2]
        if quota != "max":
            n = min(n, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, n)


def choose_workers(cfg: Any, spec: ScoringSpec | None, needs_model: bool, device: str) -> tuple[int, str]:
    """(number of worker processes, why); 0 = score in the search process."""
    if cfg.workers is not None:
        if cfg.workers > 0 and spec is None:
            raise ConfigError("workers > 0 needs the built-in scorer (a ScoringSpec); a custom scorer runs in "
                              "the search process (workers 0)")
        return cfg.workers, "--workers"
    if spec is None:
        return 0, "a custom scorer runs in the search process"
    if getattr(cfg, "dry_run", False):
        return 0, "dry run"
    if not needs_model:
        return 0, f"{spec.proxy} builds no network"
    if not str(device).startswith("cpu"):
        return 0, f"device {device}: the search process drives it"
    cpus = usable_cpus()
    n = max(1, cpus // cfg.proxy_threads)
    if n == 1:
        return 0, f"{cpus} usable CPU"
    return n, f"auto: {cpus} usable CPUs / {cfg.proxy_threads} thread(s) per worker"


class InlineExecutor:
    """Scores in the search process, when the result is asked for (``threads``: intra-op threads for
    the run, restored by :meth:`close`)."""

    def __init__(self, scorer: Callable[[Any, int], Score], threads: int | None = None) -> None:
        self.scorer, self.workers = scorer, 0
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count()
        self._restore: int | None = None
        if threads is not None:
            import torch

            if torch.get_num_threads() != threads:
                self._restore = torch.get_num_threads()
            configure_scoring_process(threads, worker=False)

    def submit(self, job: Job) -> int:
        jid = next(self._ids)
        self._jobs[jid] = job
        return jid

    def result(self, jid: int) -> Score:
        job = self._jobs.pop(jid)
        return self.scorer(job.candidate, job.seed)

    def describe(self) -> str:
        return "in the search process"

    def close(self, abandon: bool = False) -> None:
        self._jobs.clear()
        if self._restore is not None:
            import torch

            torch.set_num_threads(self._restore)
            self._restore = None


@contextlib.contextmanager
def _main_module_hidden():
    """Start a worker without re-importing the caller's ``__main__`` in it (spawn/forkserver do that
    by default, which re-runs a script that has no ``if __name__ == "__main__"`` guard): a worker needs
    only zennas and the picklable :class:`ScoringSpec`."""
    main = sys.modules.get("__main__")
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main is not None and k in main.__dict__}
    try:
        for k in saved:
            if k == "__spec__":
                main.__spec__ = None
            else:
                del main.__dict__[k]
        yield
    finally:
        for k, v in saved.items():
            setattr(main, k, v)


class _Worker:
    __slots__ = ("process", "conn", "job", "pid")

    def __init__(self, process, conn) -> None:
        self.process, self.conn, self.job, self.pid = process, conn, None, process.pid


def describe_exit(code: int | None) -> str:
    if code is None:
        return "unknown exit"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class LocalPool:
    """``workers`` scoring processes on this machine (see the module docstring)."""

    def __init__(self, spec: ScoringSpec, workers: int, threads: int, start_method: str = "forkserver") -> None:
        if start_method not in mp.get_all_start_methods():
            start_method = "spawn"
        self.ctx = mp.get_context(start_method)
        if start_method == "forkserver":
            self.ctx.set_forkserver_preload(PRELOAD)
        self.spec, self.threads, self.start_method, self.workers = spec, threads, start_method, workers
        self.restarts = 0
        self._queue: deque[tuple[int, str, int]] = deque()
        self._results: dict[int, Score] = {}
        self._ids = itertools.count()
        t0 = time.perf_counter()
        self._pool = [self._start() for _ in range(workers)]
        self.start_seconds = time.perf_counter() - t0  # processes started (not yet ready: see wait_ready)
        self.ready_seconds: float | None = None
        self._t0 = t0
        self._ready: set[int] = set()

    def _start(self) -> _Worker:
        parent, child = self.ctx.Pipe()
        p = self.ctx.Process(target=worker_main, args=(child, self.spec, self.threads), daemon=True,
                             name="zennas-scorer")
        with _main_module_hidden():
            p.start()
        child.close()
        return _Worker(p, parent)

    # ------------------------------------------------------------------ jobs
    def submit(self, job: Job) -> int:
        jid = next(self._ids)
        self._queue.append((jid, job.candidate.structure, job.seed))
        self._pump()
        return jid

    def result(self, jid: int) -> Score:
        while jid not in self._results:
            self._pump()
            self._poll()
        return self._results.pop(jid)

    def pids(self) -> list[int]:
        return [w.pid for w in self._pool]

    def wait_ready(self, timeout: float = 300.0) -> float:
        """Block until every worker has started up; seconds from the pool's creation."""
        deadline = time.perf_counter() + timeout
        while len(self._ready) < len(self._pool) and time.perf_counter() < deadline:
            self._poll(timeout=0.5)
        if self.ready_seconds is None:
            self.ready_seconds = time.perf_counter() - self._t0
        return self.ready_seconds

    def _pump(self) -> None:
        for w in self._pool:
            if not self._queue:
                return
            if w.job is None:
                jid, s, seed = self._queue.popleft()
                w.job = jid
                try:
                    w.conn.send((jid, s, seed))
                except (OSError, BrokenPipeError):
                    self._died(w)

    def _poll(self, timeout: float | None = None) -> None:
        conns = {w.conn: w for w in self._pool}
        sentinels = {w.process.sentinel: w for w in self._pool}
        for obj in wait([*conns, *sentinels], timeout):
            w = conns.get(obj)
            if w is not None and w in self._pool:
                self._receive(w)
        for w in list(self._pool):
            if not w.process.is_alive():
                self._died(w)

    def _receive(self, w: _Worker) -> None:
        try:
            while w.conn.poll():
                msg = w.conn.recv()
                if msg[0] == "ready":
                    self._ready.add(w.pid)
                    if len(self._ready) == len(self._pool) and self.ready_seconds is None:
                        self.ready_seconds = time.perf_counter() - self._t0
                else:
                    jid, sc = msg
                    self._results[jid] = sc
                    w.job = None
        except (EOFError, OSError):
            pass  # the process is gone: _died handles it

    def _died(self, w: _Worker) -> None:
        self._receive(w)  # a result sent just before the end still counts
        w.process.join(timeout=1.0)
        why = describe_exit(w.process.exitcode)
        if w.job is not None:
            self._results[w.job] = failed_score(f"scoring worker process {w.pid} died ({why}) while scoring this "
                                                f"candidate; a new worker replaces it")
            logger.warning("scoring worker %d died (%s) while scoring a candidate: counted as its failure; "
                           "starting a replacement", w.pid, why)
        else:
            logger.warning("scoring worker %d died (%s) while idle; starting a replacement", w.pid, why)
        w.conn.close()
        i = self._pool.index(w)
        self._pool[i] = self._start()
        self.restarts += 1

    # ------------------------------------------------------------------ lifecycle
    def describe(self) -> str:
        return (f"{self.workers} local worker process(es), {self.threads} intra-op thread(s) each, "
                f"started by {self.start_method}")

    def close(self, abandon: bool = False) -> None:
        """Stop the workers: idle ones are told to exit; busy ones (``abandon``) or stragglers terminated."""
        for w in self._pool:
            if w.job is None and not abandon:
                try:
                    w.conn.send(None)
                except (OSError, BrokenPipeError):
                    pass
            else:
                w.process.terminate()
        deadline = time.monotonic() + 2.0
        for w in self._pool:
            w.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
                w.process.join(timeout=1.0)
            w.conn.close()
        self._pool = []
        self._queue.clear()


def make_executor(cfg: Any, scorer: Callable[[Any, int], Score], device: str, needs_model: bool):
    """The executor a search uses (the choice is logged)."""
    spec = scorer.spec if isinstance(scorer, Scorer) else None
    if cfg.executor == "ray":
        if spec is None:
            raise ConfigError("executor ray needs the built-in scorer (a ScoringSpec)")
        from zennas.search.ray_executor import RayExecutor

        ex = RayExecutor(spec, cfg.workers, cfg.proxy_threads, cfg.ray_address)
        logger.info("scoring on Ray: %s", ex.describe())
        return ex
    n, why = choose_workers(cfg, spec, needs_model, device)
    if n == 0:
        cpu = str(device).startswith("cpu")
        ex = InlineExecutor(scorer, cfg.proxy_threads if cpu else None)
        logger.info("scoring in the search process (%s)%s", why,
                    f", {cfg.proxy_threads} intra-op thread(s)" if cpu else "")
        return ex
    ex = LocalPool(spec, n, cfg.proxy_threads, cfg.worker_start)
    logger.info("scoring in %s (%s)", ex.describe(), why)
    return ex


__all__ = ["InlineExecutor", "LocalPool", "choose_workers", "describe_exit", "make_executor", "usable_cpus"]
