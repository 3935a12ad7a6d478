"""What a search leaves in ``--save_dir``.

* ``candidates.jsonl`` - append-only, one JSON object per iteration that produced a child:
  ``iteration, structure, status`` (accepted | rejected | failed | duplicate), ``reason, score,
  params, flops, layers, mac, exact_params, exact_macs, peak, proxy_seed, seconds, time`` and, for a
  rejection, the rejecting ``budget``.
* ``best_structure.txt`` - the best structure, one line (as ZEN); ``best_structure.json`` - its score,
  costs, seed, resolution, the proxy and whether the search finished; ``search_config.yaml`` - the
  resolved config.
* ``population.jsonl`` - the population, best first; ``checkpoint.json`` - see checkpoint.py.
* ``evolution_search.log`` - the ``zennas`` loggers' records of the run (:func:`open_log`: a new run starts
  a new file, ``--resume`` appends; other libraries' messages, e.g. matplotlib's, stay out).
* ``plots/*.png`` (matplotlib Agg): best score over time, score vs params and score vs FLOPs with the
  Pareto front (:func:`write_plots`; TensorBoard scalars and the progress bar are reporters,
  :mod:`zennas.search.reporters`).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, Iterable

import yaml

from zennas.search.checkpoint import atomic_write_text

logger = logging.getLogger(__name__)

CANDIDATES = "candidates.jsonl"
BEST_TXT = "best_structure.txt"
BEST_JSON = "best_structure.json"
POPULATION = "population.jsonl"
CONFIG_YAML = "search_config.yaml"
LOG_NAME = "evolution_search.log"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
TIMING_FIELDS = ("seconds", "time")


def open_log(save_dir: Path, append: bool) -> logging.Handler:
    """Send the ``zennas`` loggers' records (INFO and up) to ``save_dir/evolution_search.log``."""
    h = logging.FileHandler(save_dir / LOG_NAME, mode="a" if append else "w", encoding="utf-8")
    h.setFormatter(logging.Formatter(LOG_FORMAT))
    h.setLevel(logging.INFO)
    root = logging.getLogger("zennas")
    h._zennas_level = root.level  # type: ignore[attr-defined]
    if root.getEffectiveLevel() > logging.INFO:  # library use without logging set up: still write the log
        root.setLevel(logging.INFO)
    root.addHandler(h)
    return h


def log_to_file(handler: logging.Handler | None, message: str, exc: BaseException | None = None) -> None:
    """One ERROR record in the run's log only (not on the console), with ``exc``'s traceback if given."""
    if handler is not None:
        handler.handle(logging.makeLogRecord({"name": "zennas.search", "levelno": logging.ERROR, "levelname": "ERROR",
                                              "msg": message, "exc_info": (type(exc), exc, exc.__traceback__)
                                              if exc is not None else None}))


def close_log(handler: logging.Handler | None) -> None:
    if handler is not None:
        root = logging.getLogger("zennas")
        root.removeHandler(handler)
        root.setLevel(getattr(handler, "_zennas_level", logging.NOTSET))
        handler.close()


class CandidateLog:
    """Append-only JSON-lines writer with an explicit byte offset (for checkpoint truncation)."""

    def __init__(self, path: str | Path, truncate_to: int | None = None) -> None:
        self.path = Path(path)
        if truncate_to is not None and self.path.exists():
            with open(self.path, "r+b") as f:
                f.truncate(truncate_to)
        self._f = open(self.path, "ab", buffering=1 << 16)

    def write(self, rec: dict[str, Any]) -> None:
        self._f.write(json.dumps(rec, separators=(",", ":")).encode() + b"\n")

    def flush(self, sync: bool = False) -> int:
        """Flush to the OS (and disk with ``sync``); return the file length."""
        self._f.flush()
        if sync:
            os.fsync(self._f.fileno())
        return self._f.tell()

    def close(self) -> None:
        if not self._f.closed:
            self._f.flush()
            self._f.close()


def read_candidates(path: str | Path, limit: int | None = None) -> Iterable[dict[str, Any]]:
    """Records of a candidates log (the first ``limit`` bytes only, if given)."""
    p = Path(path)
    if not p.exists():
        return
    with open(p, "rb") as f:
        data = f.read() if limit is None else f.read(limit)
    for line in data.splitlines():
        if line.strip():
            yield json.loads(line)


def write_population(save_dir: Path, members: list[dict[str, Any]]) -> None:
    atomic_write_text(save_dir / POPULATION, "".join(json.dumps(m) + "\n" for m in members))


def write_best(save_dir: Path, best: dict[str, Any] | None, info: dict[str, Any]) -> None:
    if best is None:
        return
    atomic_write_text(save_dir / BEST_TXT, best["structure"] + "\n")
    atomic_write_text(save_dir / BEST_JSON, json.dumps({**best, **info}, indent=2) + "\n")


def write_config(save_dir: Path, config: dict[str, Any]) -> None:
    atomic_write_text(save_dir / CONFIG_YAML, yaml.safe_dump(config, sort_keys=False))


def pareto_front(xs: list[float], ys: list[float]) -> tuple[list[float], list[float]]:
    """Points not dominated under (minimise x, maximise y), sorted by x."""
    pts = sorted(zip(xs, ys), key=lambda p: (p[0], -p[1]))
    fx, fy, best = [], [], float("-inf")
    for x, y in pts:
        if y > best:
            fx.append(x)
            fy.append(y)
            best = y
    return fx, fy


def write_plots(save_dir: Path, history: list[tuple[int, float, float]], points: dict[str, list[float]],
                proxy: str) -> list[Path]:
    """PNG plots; ``history`` = (iteration, seconds, best score), ``points`` = score/params/flops lists."""
    mpl_log = logging.getLogger("matplotlib")
    level = mpl_log.level
    mpl_log.setLevel(logging.ERROR)  # "Matplotlib is building the font cache ..." is not the search's news
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as exc:  # noqa: BLE001 - optional
        logger.info("plots skipped (%s)", exc)
        return []
    finally:
        mpl_log.setLevel(level)
    out_dir = save_dir / "plots"
    out_dir.mkdir(exist_ok=True)
    written = []
    if history:
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
        it, sec, best = zip(*history)
        a1.step(it, best, where="post")
        a1.set_xlabel("iteration")
        a2.step(sec, best, where="post")
        a2.set_xlabel("seconds")
        for a in (a1, a2):
            a.set_ylabel(f"best {proxy} score")
            a.grid(alpha=0.3)
        fig.tight_layout()
        p = out_dir / "best_score.png"
        fig.savefig(p, dpi=100)
        plt.close(fig)
        written.append(p)
    for key, label in (("params", "params (zen count)"), ("flops", "FLOPs (zen count)")):
        xs, ys = points.get(key, []), points.get("score", [])
        pairs = [(x, y) for x, y in zip(xs, ys) if x is not None]
        if not pairs:
            continue
        xs2, ys2 = zip(*pairs)
        fig, ax = plt.subplots(figsize=(6, 4.5))
        ax.scatter(xs2, ys2, s=4, alpha=0.35, label="accepted candidates")
        fx, fy = pareto_front(list(xs2), list(ys2))
        ax.step(fx, fy, where="post", color="C3", label="Pareto front")
        ax.set_xlabel(label)
        ax.set_ylabel(f"{proxy} score")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
        fig.tight_layout()
        p = out_dir / f"score_vs_{key}.png"
        fig.savefig(p, dpi=100)
        plt.close(fig)
        written.append(p)
    return written
