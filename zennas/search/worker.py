"""The scoring worker process: set up once (threads, memory, signals), then score jobs until told to stop.

A worker only builds and scores (:func:`~zennas.search.evaluator.score_structure`); the search process
keeps the population, cache, budgets and checkpoints.  Set-up, shared with in-process scoring and the
Ray actors (:func:`configure_scoring_process`):

* ``torch.set_num_threads(threads)``: the same intra-op thread count whatever the number of workers,
  because proxy values change with it (Zen by up to 0.03 between 1 and 2 threads on these CPUs);
* glibc keeps freed memory for reuse (:func:`keep_freed_memory`): a proxy allocates and frees the same
  large activations for every candidate, and by default every such allocation is a fresh ``mmap`` whose
  pages fault in again (measured: up to 2x the time of a small-network Zen score);
* SIGINT is ignored (a Ctrl-C reaches the whole process group; the search process decides), and on
  Linux the worker is killed when the search process dies (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import math
import os
import signal
import sys
import traceback
from typing import Any

logger = logging.getLogger("zennas.search")

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_MAX = 32 << 20  # glibc's largest mmap threshold on 64-bit (HEAP_MAX_SIZE / 2)
_TRIM = 1 << 30


def keep_freed_memory() -> bool:
    """glibc ``mallopt``: blocks up to 32 MiB come from the heap and freed memory is not returned to the
    system, so the next candidate's tensors reuse pages that are already mapped.  The process keeps its
    peak memory.  Returns False (and changes nothing) where there is no glibc ``mallopt``."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_MAX)) and bool(mallopt(_M_TRIM_THRESHOLD, _TRIM))


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - other libcs
        pass


def configure_scoring_process(threads: int, *, worker: bool) -> dict[str, Any]:
    """Threads and memory policy of a process that scores; ``worker``: also ignore SIGINT and die with
    the parent (a worker process, not the search process).  Returns what was set, for the log."""
    import torch

    if worker:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _die_with_parent()
    torch.set_num_threads(threads)
    if worker:
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # already set (forked from a process that used it)
            pass
    return {"threads": torch.get_num_threads(), "malloc_reuse": keep_freed_memory()}


def failed_score(reason: str):
    from zennas.search.evaluator import Score

    return Score(False, math.nan, reason)


def worker_main(conn, spec, threads: int) -> None:
    """Entry point of a worker process: ``(job_id, structure, seed)`` in, ``(job_id, Score)`` out, until
    ``None`` or the end of the pipe."""
    from zennas.search.evaluator import score_structure

    configure_scoring_process(threads, worker=True)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        jid, structure, seed = msg
        try:
            sc = score_structure(spec, structure, seed)
        except BaseException as exc:  # noqa: BLE001 - reported as the candidate's failure
            sc = failed_score(f"worker error: {type(exc).__name__}: {exc}")
            logger.debug("worker error:\n%s", traceback.format_exc())
        try:
            conn.send((jid, sc))
        except (EOFError, OSError, BrokenPipeError):
            return


__all__ = ["configure_scoring_process", "failed_score", "keep_freed_memory", "worker_main"]
