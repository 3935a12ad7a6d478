"""Running a search: the save directory, signals, checkpoints, resume, stop criteria and outputs.

A checkpoint is written at the top of an iteration (every ``checkpoint_every`` iterations, on
SIGINT/SIGTERM and at the end), atomically.  ``--resume`` refuses a config that changes the visited
sequence (naming the key), restores the strategy (population in list order, RNG), the counters, and
truncates ``candidates.jsonl`` to its length at the checkpoint before reading the score cache back from
it, so a resumed run visits exactly the candidates an uninterrupted run would.  A dry run works in a
temporary folder and leaves nothing behind.

Everything is checked before a run's files are touched: the save directory (a writable folder, not a
file), an existing search (refused unless ``--resume`` / ``--overwrite``), a resumed config, the proxy's
options, the budgets' availability and the initial structure against them.  Only then are old outputs
removed (a new run or ``--overwrite``, the log included) and ``evolution_search.log`` opened (appended to
on ``--resume``).  Logs and checkpoints follow ``log_every`` / ``checkpoint_every`` iterations and, at the
latest, ``log_every_seconds`` / ``checkpoint_every_seconds``.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zennas.search import outputs as out
from zennas.search.budgets import LatencyBudget
from zennas.search.checkpoint import CHECKPOINT_NAME, load_checkpoint, save_checkpoint
from zennas.search.config import ConfigError, SearchError, check_proxy_options, recorded, resume_differences
from zennas.search.latency import latency_reporters
from zennas.search.reporters import Reporter, default_reporters, notify

if TYPE_CHECKING:
    from zennas.search.evolution import EvolutionSearch

logger = logging.getLogger("zennas.search")


@dataclass
class SearchResult:
    save_dir: Path
    best_structure: str | None
    best_score: float | None
    iterations: int
    stopped_by: str  # "iterations" | "time_budget" | "patience" | "interrupted" | "dry_run"
    counters: dict[str, Any] = field(default_factory=dict)
    population: list[dict[str, Any]] = field(default_factory=list)
    resolved: dict[str, Any] = field(default_factory=dict)


class Runner:
    """Runs an :class:`~zennas.search.evolution.EvolutionSearch` in a save directory."""

    def __init__(self, engine: "EvolutionSearch") -> None:
        self.engine = engine
        self.cfg = engine.cfg
        self.save_dir = Path()
        self.log: out.CandidateLog | None = None
        self._stop_signal: str | None = None

    @property
    def state(self):
        return self.engine.state

    @property
    def proxy_name(self) -> str:
        return self.engine.proxy_name

    # ---------------------------------------------------------------- entry
    def run(self, save_dir: str | Path | None = None) -> SearchResult:
        tmp = None
        if self.cfg.dry_run:
            tmp = tempfile.mkdtemp(prefix="zennas-dry-run-")
            path = Path(tmp)
        else:
            path = Path(save_dir or self.cfg.save_dir or "")
            if not str(path):
                raise ConfigError("save_dir is required (--save_dir DIR)")
        try:
            return self._run(path)
        finally:
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)

    def _run(self, save_dir: Path) -> SearchResult:
        cfg, engine = self.cfg, self.engine
        self.save_dir = save_dir
        # ---- checks: nothing below writes until _prepare_dir
        if not cfg.dry_run or cfg.save_dir:  # a dry run checks the folder a real run would use
            check_save_dir(save_dir if not cfg.dry_run else Path(cfg.save_dir))
        ckpt = self._existing_run(save_dir)
        if ckpt is not None:
            self._check_resume_config(ckpt)
            seed = int(ckpt["seed"])
        else:
            seed = cfg.seed if cfg.seed is not None else int.from_bytes(os.urandom(8), "little") & (2**63 - 1)
        check_proxy_options(cfg.zero_shot_score, cfg.proxy_options)
        skip = self._unavailable_budgets()
        budgets = engine.budgets.without(skip) if skip else engine.budgets
        engine.check_initial(skip)
        logp = save_dir / out.CANDIDATES
        if ckpt is not None:
            self._check_log(ckpt, logp)
        # ---- the run
        cfg.seed = seed
        if cfg.threads:
            import torch

            torch.set_num_threads(cfg.threads)
        self._prepare_dir(save_dir, fresh=ckpt is None)
        log_file = None if cfg.dry_run else out.open_log(save_dir, append=ckpt is not None)
        try:
            return self._session(ckpt, seed, budgets, logp)
        except Exception as exc:  # the reason goes into the run's log too (the CLI prints it once on stderr)
            out.log_to_file(log_file, f"search stopped with an error: {exc}", exc if not isinstance(exc, SearchError)
                            else None)
            raise
        finally:
            out.close_log(log_file)

    def _session(self, ckpt: dict[str, Any] | None, seed: int, budgets, logp: Path) -> SearchResult:
        cfg, engine = self.cfg, self.engine
        engine.start(seed, budgets)
        st = engine.state
        if ckpt is not None:
            self._restore(ckpt, logp)
        else:
            self.log = out.CandidateLog(logp)
        out.write_config(self.save_dir, {**recorded(cfg), "resolved": engine.resolved()})
        max_iter = (min(cfg.evolution_max_iter, max(0, min(2, cfg.dry_run_iterations))) if cfg.dry_run
                    else cfg.evolution_max_iter)
        reporters = default_reporters(cfg, self.save_dir, max_iter, st.t) + latency_reporters(cfg, engine.device)
        old_handlers = self._install_signals()
        try:
            try:
                stopped_by = self._loop(max_iter, reporters)
                if st.t > st.t_at_start:  # the final state (log line, TensorBoard)
                    notify(reporters, "on_log", engine.snapshot(st.t, st.elapsed_now()))
            finally:
                for sig, h in old_handlers.items():
                    signal.signal(sig, h)
                notify(reporters, "on_loop_end")
            st.stop_clock()
            if cfg.dry_run:
                stopped_by = "dry_run"
            st.finished = stopped_by in ("iterations", "dry_run")
            st.stopped_by = stopped_by
            self._save()
            self.log.close()
            self._write_final(reporters)
        finally:
            notify(reporters, "close")
        best = engine.strategy.population.best
        logger.info(self._final_message(stopped_by, best))
        return SearchResult(self.save_dir, best.structure if best else None, best.score if best else None, st.t,
                            stopped_by, st.counters(), [m.to_dict() for m in engine.strategy.population.sorted()],
                            engine.resolved())

    def _final_message(self, stopped_by: str, best) -> str:
        cfg, st = self.cfg, self.engine.state
        if stopped_by == "iterations":
            why = f"finished its {st.t:,} iterations (evolution_max_iter)"
        elif stopped_by == "time_budget":
            why = f"stopped at the time budget of {cfg.time_budget:g} s after {st.t:,} iterations"
        elif stopped_by == "patience":
            why = f"stopped after {cfg.patience:,} iterations without a new best (patience), at iteration {st.t:,}"
        elif stopped_by == "interrupted":
            why = f"was interrupted at iteration {st.t:,} (continue it with --resume)"
        else:  # a dry run: its temporary folder is gone
            return f"dry run: {st.t} iterations, best score {best.score:.6g}" if best else f"dry run: {st.t} iterations"
        where = (f"best score {best.score:.6g}, structure in {self.save_dir / out.BEST_TXT}" if best is not None
                 else "no candidate was admitted")
        return f"search {why} in {st.elapsed_before:.1f} s: {where}"

    # ---------------------------------------------------------------- the loop (stop criteria, checkpoints)
    def _loop(self, max_iter: int, reporters: list[Reporter]) -> str:
        cfg, engine, st = self.cfg, self.engine, self.engine.state
        first = True
        last_log = last_ckpt = time.perf_counter()
        while st.t < max_iter:
            t = st.t
            if self._stop_signal is not None:
                return "interrupted"
            now = time.perf_counter()
            if not first and not cfg.dry_run and (t % cfg.checkpoint_every == 0 or (
                    cfg.checkpoint_every_seconds and now - last_ckpt >= cfg.checkpoint_every_seconds)):
                self._save(periodic=True)
                last_ckpt = now
            first = False
            elapsed = st.elapsed_now()
            if cfg.time_budget is not None and elapsed >= cfg.time_budget:
                logger.info("time budget of %g s reached at iteration %d", cfg.time_budget, t)
                return "time_budget"
            best = engine.strategy.population.best
            if cfg.patience is not None and best is not None and t - st.last_improvement >= cfg.patience:
                logger.info("no new best for %d iterations: stopping at iteration %d", cfg.patience, t)
                return "patience"
            if t >= 1 and t % cfg.log_every == 0:  # the engine reports at the top of this step
                last_log = now
            elif t >= 1 and cfg.log_every_seconds and now - last_log >= cfg.log_every_seconds:
                engine.strategy.trim()  # what the step does first anyway: the snapshot shows the trimmed population
                notify(reporters, "on_log", engine.snapshot(t, elapsed))
                last_log = now
            rec, stop = engine.step(t, elapsed, reporters, limit=max_iter)
            self.log.write(rec.to_log(t, st.elapsed_now()))
            if stop is not None:
                raise SearchError(stop)
            st.t = t + 1
            notify(reporters, "on_iteration")
        return "iterations"

    def _unavailable_budgets(self) -> tuple[str, ...]:
        """Budgets that cannot be checked here: an error, except in a dry run (skipped with a warning)."""
        for b in self.engine.budgets:
            if isinstance(b, LatencyBudget):
                ok, why = b.estimator.available()
                if not ok:
                    if not self.cfg.dry_run:
                        raise SearchError(f"budget_latency cannot be checked: {why}; set latency_device (e.g. "
                                          f"--device cpu) or plug in a latency predictor")
                    logger.warning("dry run: %s; the latency budget is not checked", why)
                    return ("budget_latency",)
        return ()

    # ---------------------------------------------------------------- save dir, resume
    def _existing_run(self, save_dir: Path) -> dict[str, Any] | None:
        """The checkpoint to resume from (None: a new run); refuses to replace a search without
        ``--overwrite``.  Reads only."""
        cfg = self.cfg
        if not save_dir.is_dir():
            return None
        try:
            ckpt = load_checkpoint(save_dir)
        except ValueError as exc:  # includes json.JSONDecodeError
            if cfg.overwrite and not cfg.resume:
                return None
            raise SearchError(f"unreadable checkpoint in {save_dir}: {exc}; use --overwrite to start again") from None
        has_best = (save_dir / out.BEST_TXT).exists()
        if cfg.resume:
            if ckpt is None:
                if has_best:
                    raise SearchError(f"{save_dir}: best_structure.txt exists but there is no {CHECKPOINT_NAME} "
                                      f"to resume from; use --overwrite to start again")
                logger.warning("--resume: no checkpoint in %s, starting a new search", save_dir)
            return ckpt
        if (ckpt is not None or has_best) and not cfg.overwrite:
            what = out.BEST_TXT if has_best else CHECKPOINT_NAME
            raise SearchError(f"{save_dir} already holds a search ({what} exists). Use --resume to continue "
                              f"it or --overwrite to start again (the original silently skipped).")
        return None

    def _prepare_dir(self, save_dir: Path, fresh: bool) -> None:
        """Create the folder; for a new run remove the outputs of an earlier one (checked by _existing_run)."""
        save_dir.mkdir(parents=True, exist_ok=True)
        if not fresh:
            return
        for name in (out.CANDIDATES, out.BEST_TXT, out.BEST_JSON, out.POPULATION, CHECKPOINT_NAME, out.CONFIG_YAML,
                     out.LOG_NAME):
            (save_dir / name).unlink(missing_ok=True)
        for name in ("plots", "tensorboard"):
            shutil.rmtree(save_dir / name, ignore_errors=True)

    def _check_resume_config(self, ckpt: dict[str, Any]) -> None:
        diff = resume_differences(ckpt.get("config", {}), self.cfg)
        if self.cfg.seed is not None and int(ckpt["seed"]) != self.cfg.seed:
            diff.append("seed")
        if diff:
            raise SearchError("cannot resume: the config differs from the checkpoint's in " + ", ".join(diff))

    @staticmethod
    def _check_log(ckpt: dict[str, Any], logp: Path) -> None:
        have = logp.stat().st_size if logp.exists() else 0
        if have < ckpt["log_bytes"]:
            raise SearchError(f"cannot resume: {logp} has {have} bytes but the checkpoint expects at least "
                              f"{ckpt['log_bytes']} (was it edited or deleted?); use --overwrite to start again")

    def _restore(self, ckpt: dict[str, Any], logp: Path) -> None:
        engine, st = self.engine, self.engine.state
        st.restore(ckpt)
        engine.strategy.load_state_dict(ckpt)
        self.log = out.CandidateLog(logp, truncate_to=ckpt["log_bytes"])
        records = list(out.read_candidates(logp))
        engine.evaluator.restore(records)
        st.restore_points(records)
        pop = engine.strategy.population
        logger.info("resumed from iteration %d (%d members, best %s)", st.t, len(pop),
                    pop.best.score if pop.best else None)

    # ---------------------------------------------------------------- signals
    def _install_signals(self) -> dict:
        if threading.current_thread() is not threading.main_thread():
            return {}
        old = {}

        def handler(signum, _frame):
            if self._stop_signal is not None and signum == signal.SIGINT:
                raise KeyboardInterrupt  # second Ctrl-C: stop now
            self._stop_signal = signal.Signals(signum).name
            logger.warning("%s received: writing a checkpoint and stopping after this iteration", self._stop_signal)

        for s in (signal.SIGINT, signal.SIGTERM):
            old[s] = signal.signal(s, handler)
        return old

    # ---------------------------------------------------------------- outputs
    def _save(self, periodic: bool = False) -> None:
        if self.cfg.dry_run:
            return
        engine = self.engine
        nbytes = self.log.flush(sync=True)
        save_checkpoint(self.save_dir, engine.state.state(engine.strategy.state_dict(), nbytes, recorded(self.cfg)))
        if periodic:  # the current population and best, for a look while the search runs
            self._write_population_and_best()

    def _write_population_and_best(self) -> None:
        pop = self.engine.strategy.population
        out.write_population(self.save_dir, [m.to_dict() for m in pop.sorted()])
        out.write_best(self.save_dir, pop.best.to_dict() if pop.best else None, self._best_info())

    def _best_info(self) -> dict[str, Any]:
        cfg, st = self.cfg, self.engine.state
        return {"proxy": self.engine.proxy_name, "seed": st.seed, "input_image_size": cfg.input_image_size,
                "num_classes": cfg.num_classes, "search_space": cfg.search_space, "iterations": st.t,
                "finished": st.finished, "stopped_by": st.stopped_by or "running",
                "budgets": self.engine.budgets.describe(), "counters": st.counters()}

    def _write_final(self, reporters: list[Reporter]) -> None:
        if self.cfg.dry_run:
            return
        self._write_population_and_best()
        if self.engine.strategy.population.best is None:
            logger.warning("no candidate was admitted: best_structure.txt not written")
        notify(reporters, "on_finish", self)


def check_save_dir(save_dir: Path) -> None:
    """``save_dir`` is (or can be created as) a folder this process can write in (ConfigError otherwise)."""
    if save_dir.exists() and not save_dir.is_dir():
        raise ConfigError(f"save_dir {str(save_dir)!r} is a file, not a folder; give another --save_dir")
    probe = save_dir
    while not probe.exists():  # the nearest existing ancestor must be a writable folder
        probe = probe.parent
    if not probe.is_dir():
        raise ConfigError(f"save_dir {str(save_dir)!r} cannot be created: {str(probe)!r} is a file")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"save_dir {str(save_dir)!r}: no permission to write in {str(probe)!r}; give another "
                          f"--save_dir")


__all__ = ["Runner", "SearchResult", "check_save_dir"]
