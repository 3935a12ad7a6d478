"""Reporters: callbacks the search calls while it runs (log line, TensorBoard, progress bar, plots).

A reporter implements any of ``on_log(snapshot)`` (every ``log_every`` iterations; ``snapshot`` holds
``iteration, best, worst, population, rate, scored, rejected, duplicate, failed, proxy_share,
elapsed``), ``on_iteration()`` (after each child), ``on_loop_end()``, ``on_finish(run)`` (after the final
outputs of a real run; ``run`` gives ``save_dir``, ``state``, ``proxy_name``) and ``close()``.
Optional dependencies (tqdm, tensorboard, matplotlib) are imported lazily; a missing one disables its
reporter with a log line.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterable

from zennas.search.outputs import write_plots

logger = logging.getLogger("zennas.search")


class Reporter:
    """Base: every callback does nothing."""

    def on_log(self, snapshot: dict[str, Any]) -> None:
        pass

    def on_iteration(self) -> None:
        pass

    def on_loop_end(self) -> None:
        pass

    def on_finish(self, run: Any) -> None:
        pass

    def close(self) -> None:
        pass


class LogReporter(Reporter):
    """The progress line in the log (``iter N: best ... worst ... pop ... | it/s | counts | proxy share``)."""

    def on_log(self, s: dict[str, Any]) -> None:
        logger.info("iter %d: best %.4g worst %.4g pop %d | %.1f it/s | scored %d rejected %d duplicate %d "
                    "failed %d | proxy %.0f%% of %.2f h", s["iteration"], s["best"], s["worst"], s["population"],
                    s["rate"], s["scored"], s["rejected"], s["duplicate"], s["failed"], s["proxy_share"],
                    s["elapsed"] / 3600)


class ProgressReporter(Reporter):
    """tqdm bar over iterations showing best score and counts; a no-op when disabled."""

    def __init__(self, total: int, initial: int, enabled: bool | None) -> None:
        self.bar = None
        if enabled is False:
            return
        try:
            from tqdm import tqdm
        except ImportError:  # pragma: no cover - tqdm is a dependency
            return
        self.bar = tqdm(total=total, initial=initial, disable=None if enabled is None else not enabled,
                        unit="it", dynamic_ncols=True, mininterval=0.5)
        self._pending = 0

    def on_iteration(self) -> None:
        if self.bar is not None:
            self._pending += 1
            if self._pending >= 64:
                self.bar.update(self._pending)
                self._pending = 0

    def on_log(self, s: dict[str, Any]) -> None:
        if self.bar is not None:
            self.bar.set_postfix({"best": f"{s['best']:.4g}", "scored": s["scored"], "rej": s["rejected"]},
                                 refresh=False)

    def on_loop_end(self) -> None:
        if self.bar is not None:
            self.bar.update(self._pending)
            self._pending = 0
            self.bar.close()
            self.bar = None


class TensorBoardReporter(Reporter):
    """Scalars in ``save_dir/tensorboard`` (lazy SummaryWriter; disabled with a log line if tensorboard is
    not installed)."""

    def __init__(self, logdir: Path, enabled: bool) -> None:
        self.writer = None
        if not enabled:
            return
        try:
            from torch.utils.tensorboard import SummaryWriter
        except Exception as exc:  # noqa: BLE001 - optional
            logger.info("TensorBoard logging disabled (%s); install 'tensorboard' to enable it", exc)
            return
        self.writer = SummaryWriter(str(logdir))

    def on_log(self, s: dict[str, Any]) -> None:
        if self.writer is None:
            return
        values = {"score/best": s["best"], "score/worst": s["worst"], "population/size": s["population"],
                  "rate/iterations_per_s": s["rate"], "count/scored": s["scored"], "count/rejected": s["rejected"],
                  "count/duplicate": s["duplicate"], "count/failed": s["failed"]}
        for k, v in values.items():
            if v is not None:
                self.writer.add_scalar(k, v, s["iteration"])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.flush()
            self.writer.close()
            self.writer = None

class PlotReporter(Reporter):
    """``plots/*.png`` at the end of a run: best score over iterations and time, score vs params/FLOPs."""

    def on_finish(self, run: Any) -> None:
        st = run.state
        hist = list(st.history)
        if hist:  # extend the step plot to the end of the search
            hist.append((st.t, st.elapsed_before, hist[-1][2]))
        write_plots(run.save_dir, hist, st.points, run.proxy_name)


def default_reporters(cfg: Any, save_dir: Path, max_iter: int, start: int) -> list[Reporter]:
    """The reporters a config asks for (a dry run gets the log line only)."""
    out: list[Reporter] = [LogReporter()]
    if cfg.dry_run:
        return out
    out.append(ProgressReporter(max_iter, start, cfg.progress))
    if cfg.tensorboard:
        out.append(TensorBoardReporter(save_dir / "tensorboard", True))
    if cfg.plots:
        out.append(PlotReporter())
    return out


def notify(reporters: Iterable[Reporter], event: str, *args: Any) -> None:
    for r in reporters:
        getattr(r, event)(*args)


__all__ = ["LogReporter", "PlotReporter", "ProgressReporter", "Reporter", "TensorBoardReporter", "default_reporters",
           "notify"]
