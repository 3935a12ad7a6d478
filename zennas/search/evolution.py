"""The evolutionary search loop (ZENNAS_SPEC §4.2) with cache, budgets, checkpoints and outputs.

Per iteration t (defaults = ZEN):

1. while the population holds more than ``population_size`` members: remove the worst (first
   inserted among equal minima);
2. every ``log_every`` iterations: log max/min score, rates;
3. child: population <= ``seed_phase_size`` -> mutate the initial structure S0 with
   ``seed_num_replaces`` (1) replacements (or, without ``fix_initialize``, take a random structure
   of the space); else a parent chosen uniformly, ``num_replaces`` (2) replacements; then
   ``split(split_threshold)`` ``split_times`` (2) times.  S0 itself is never scored;
4. cache lookup (a structure seen before is never re-evaluated: its budget verdict / score / failure
   are reused; a known-good structure is re-inserted with its cached score, as ZEN re-inserts
   duplicates, or skipped with ``duplicates: skip``);
5. budgets cheapest first from the parsed structure (no module built);
6. proxy on the no_reslink network with a per-candidate seed derived from (seed, structure), so a
   score is the same whether it comes from the cache or not and the numpy ``Generator`` draws never
   depend on the cache;
7. insert.  Failures (exception, NaN) are logged and counted, never inserted (except with
   ``zen_compat_failures``: score -9999 like ZEN).
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
from typing import Any, Callable

import numpy as np

from zennas.block import Block
from zennas.search import outputs as out
from zennas.search.budgets import BudgetSet, Candidate, LatencyBudget, budgets_from_config
from zennas.search.checkpoint import CHECKPOINT_NAME, load_checkpoint, save_checkpoint
from zennas.search.config import ConfigError, SearchConfig, SearchError, check_proxy_name, recorded
from zennas.search.scoring import Score, Scorer, derive_seed  # noqa: F401 - re-exported
from zennas.search.state import _Cached, _State
from zennas.structure import StructureParseError, parse, read_structure_file, to_str

logger = logging.getLogger("zennas.search")

COMPAT_FAILURE_SCORE = -9999.0
# keys whose change does not alter the visited sequence (allowed between a checkpoint and --resume)
RESUME_FREE_KEYS = {"evolution_max_iter", "time_budget", "patience", "log_every", "checkpoint_every", "progress",
                    "tensorboard", "plots", "device", "threads", "save_dir", "name", "description", "analyze_args",
                    "train_command", "max_failure_rate", "failure_min_count", "max_consecutive_rejections"}


# ---------------------------------------------------------------------------------------------- result
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


def resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device {device!r}: CUDA is not available on this machine (use --device cpu)")
    try:
        torch.device(device)
    except (RuntimeError, ValueError) as exc:
        raise ConfigError(f"device {device!r}: {exc}") from None
    return device


def resolve_space(cfg: SearchConfig):
    """(space object, mutation kind) for a config; SearchSpace is imported lazily."""
    try:
        from SearchSpace import get_space
    except ImportError as exc:  # pragma: no cover - depends on the SearchSpace package
        raise ConfigError(f"search spaces unavailable: {exc}") from None
    name = cfg.search_space
    mutation = cfg.mutation or ("zen" if cfg.origin else
                                "adlik" if name.lower() in ("adlik", "gsnet") else "zen")
    opts = dict(cfg.space_options)
    if mutation == "adlik" and name.lower() not in ("adlik", "gsnet"):
        name = "adlik"
    if name.lower() in ("adlik", "gsnet") and cfg.search_space_list:
        opts.setdefault("block_modules", list(cfg.search_space_list))
    try:
        return get_space(name, **opts), mutation
    except (KeyError, ValueError, FileNotFoundError, ImportError, TypeError) as exc:
        raise ConfigError(f"search_space {cfg.search_space!r}: {exc}") from None


def initial_structure(cfg: SearchConfig) -> str | None:
    try:
        if cfg.plainnet_struct:
            return to_str(parse(cfg.plainnet_struct.strip()))
        if cfg.plainnet_struct_txt:
            if not Path(cfg.plainnet_struct_txt).is_file():
                raise ConfigError(f"plainnet_struct_txt: file {cfg.plainnet_struct_txt!r} not found")
            return to_str(parse(read_structure_file(cfg.plainnet_struct_txt)))
    except StructureParseError as exc:
        raise ConfigError(f"initial structure: {exc}") from None
    return None


def _split(blocks: list[Block], threshold: int, times: int) -> list[Block]:
    for _ in range(times):
        blocks = [x for b in blocks for x in b.split(threshold)]
    return blocks


# ---------------------------------------------------------------------------------------------- engine
class EvolutionSearch:
    """One search run.  ``space``, ``budgets``, ``scorer`` may be injected (tests, custom tools)."""

    def __init__(self, cfg: SearchConfig, *, space=None, budgets: BudgetSet | None = None,
                 scorer: Callable[[Candidate, int], Score] | None = None) -> None:
        self.cfg = cfg
        self.device = resolve_device(cfg.device)
        self.proxy_name = check_proxy_name(cfg.zero_shot_score)
        if space is None:
            space, mutation = resolve_space(cfg)
        else:
            mutation = cfg.mutation or "zen"
        self.space, self.mutation = space, mutation
        self.s0 = initial_structure(cfg)
        fix = cfg.fix_initialize if cfg.fix_initialize is not None else self.s0 is not None
        if fix and self.s0 is None:  # ADLIK: a warning, then random initial structures
            logger.warning("fix_initialize without an initial structure: seeding with random structures")
            fix = False
        if not fix:
            try:
                space.random_structure(np.random.default_rng(0), resolution=cfg.input_image_size)
            except NotImplementedError:
                raise ConfigError(f"search space {cfg.search_space!r} cannot draw random structures: give an "
                                  f"initial structure (plainnet_struct or plainnet_struct_txt)") from None
        self.fix_initialize = fix
        self.s0_blocks = parse(self.s0) if self.s0 else None
        self.budgets = budgets if budgets is not None else budgets_from_config(cfg, self.device)
        self.scorer = scorer or Scorer(cfg.zero_shot_score, resolution=cfg.input_image_size,
                                       batch_size=cfg.batch_size, num_classes=cfg.num_classes, device=self.device,
                                       dtype=cfg.proxy_dtype, repeat=cfg.proxy_repeat, gamma=cfg.gamma,
                                       options=cfg.proxy_options)
        self._stop_signal: str | None = None

    # ---------------------------------------------------------------- description
    def resolved(self) -> dict[str, Any]:
        d = {"proxy": self.proxy_name, "space": repr(self.space), "mutation": self.mutation,
             "fix_initialize": self.fix_initialize, "device": self.device, "initial_structure": self.s0,
             "budgets": self.budgets.describe()}
        if self.s0_blocks is not None:
            c = Candidate(self.s0_blocks, self.s0, self.cfg.input_image_size, self.cfg.num_classes)
            d["initial_costs"] = {k: v for k, v in c.cost_fields().items() if k != "latency"}
            _ = c.costs
            d["initial_costs"] = c.cost_fields()
        return d

    def check_initial(self, skip: tuple[str, ...] = ()) -> None:
        """The initial structure must satisfy every budget (clear error otherwise)."""
        if self.s0_blocks is None:
            return
        if hasattr(self.space, "check"):
            try:
                self.space.check(self.s0_blocks)
            except (ValueError, TypeError) as exc:
                logger.warning("initial structure is outside the search space %r: %s", self.space, exc)
        cand = Candidate(self.s0_blocks, self.s0, self.cfg.input_image_size, self.cfg.num_classes)
        try:
            rej = self.budgets.without(skip).first_violation(cand)
        except Exception as exc:  # noqa: BLE001 - e.g. S0 not buildable (ZEN's latency S0 has a 256->512 head)
            logger.warning("initial structure: budgets could not be evaluated (%s: %s)", type(exc).__name__, exc)
            rej = self.budgets.without(skip + ("budget_latency",)).first_violation(cand)
        if rej is not None:
            raise SearchError(
                f"the initial structure is over budget: {rej.reason}. Start from a smaller structure (about "
                f"1/4 of the budget is a good start) or raise {rej.budget.name}.\n  initial structure: {self.s0}")

    # ---------------------------------------------------------------- save dir handling
    def _prepare_dir(self, save_dir: Path) -> dict[str, Any] | None:
        cfg = self.cfg
        save_dir.mkdir(parents=True, exist_ok=True)
        try:
            ckpt = load_checkpoint(save_dir)
        except ValueError as exc:  # includes json.JSONDecodeError
            raise SearchError(f"unreadable checkpoint in {save_dir}: {exc}; use --overwrite to start again") from None
        has_best = (save_dir / out.BEST_TXT).exists()
        if cfg.resume:
            if ckpt is None:
                if has_best:
                    raise SearchError(f"{save_dir}: best_structure.txt exists but there is no {CHECKPOINT_NAME} "
                                      f"to resume from; use --overwrite to start again")
                logger.warning("--resume: no checkpoint in %s, starting a new search", save_dir)
            else:
                return ckpt
        elif ckpt is not None or has_best:
            if not cfg.overwrite:
                what = out.BEST_TXT if has_best else CHECKPOINT_NAME
                raise SearchError(f"{save_dir} already holds a search ({what} exists). Use --resume to continue "
                                  f"it or --overwrite to start again (the original silently skipped).")
        for name in (out.CANDIDATES, out.BEST_TXT, out.BEST_JSON, out.POPULATION, CHECKPOINT_NAME, out.CONFIG_YAML):
            (save_dir / name).unlink(missing_ok=True)
        for name in ("plots", "tensorboard"):
            shutil.rmtree(save_dir / name, ignore_errors=True)
        return None

    # ---------------------------------------------------------------- signals
    def _install_signals(self):
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

    # ---------------------------------------------------------------- run
    def run(self, save_dir: str | Path | None = None) -> SearchResult:
        cfg = self.cfg
        tmp = None
        if cfg.dry_run:
            tmp = tempfile.mkdtemp(prefix="zennas-dry-run-")
            save_dir = Path(tmp)
        else:
            save_dir = Path(save_dir or cfg.save_dir or "")
            if not str(save_dir):
                raise ConfigError("save_dir is required (--save_dir DIR)")
        try:
            return self._run(save_dir)
        finally:
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)

    def _run(self, save_dir: Path) -> SearchResult:
        cfg = self.cfg
        ckpt = self._prepare_dir(save_dir)
        if ckpt is not None:
            self._check_resume_config(ckpt)
            seed = int(ckpt["seed"])
        else:
            seed = cfg.seed if cfg.seed is not None else int.from_bytes(os.urandom(8), "little") & (2**63 - 1)
        cfg.seed = seed
        if cfg.threads:
            import torch

            torch.set_num_threads(cfg.threads)

        skip: tuple[str, ...] = ()
        for b in self.budgets:
            if isinstance(b, LatencyBudget):
                ok, why = b.estimator.available()
                if not ok:
                    if not cfg.dry_run:
                        raise SearchError(f"budget_latency cannot be checked: {why}; set latency_device (e.g. "
                                          f"--device cpu) or plug in a latency predictor")
                    logger.warning("dry run: %s; the latency budget is not checked", why)
                    skip = ("budget_latency",)
        budgets = self.budgets.without(skip) if skip else self.budgets
        self.check_initial(skip)

        st = _State(cfg, seed)
        if ckpt is not None:
            st.restore(ckpt)
            logp = save_dir / out.CANDIDATES
            have = logp.stat().st_size if logp.exists() else 0
            if have < ckpt["log_bytes"]:
                raise SearchError(f"cannot resume: {logp} has {have} bytes but the checkpoint expects at least "
                                  f"{ckpt['log_bytes']} (was it edited or deleted?); use --overwrite to start again")
            log = out.CandidateLog(save_dir / out.CANDIDATES, truncate_to=ckpt["log_bytes"])
            st.replay_log(save_dir / out.CANDIDATES)
            logger.info("resumed from iteration %d (%d members, best %s)", st.t, len(st.pop),
                        st.pop.best.score if st.pop.best else None)
        else:
            log = out.CandidateLog(save_dir / out.CANDIDATES)
        out.write_config(save_dir, {**recorded(cfg), "resolved": self.resolved()})
        max_iter = min(cfg.evolution_max_iter, max(0, min(2, cfg.dry_run_iterations))) if cfg.dry_run else cfg.evolution_max_iter
        tb = out.TensorBoard(save_dir / "tensorboard", cfg.tensorboard and not cfg.dry_run)
        bar = out.Progress(max_iter, st.t, False if cfg.dry_run else cfg.progress)
        old_handlers = self._install_signals()
        stopped_by = "iterations"
        t_start = time.perf_counter()
        try:
            stopped_by = self._loop(st, log, budgets, tb, bar, max_iter, save_dir, t_start)
        finally:
            for s, h in old_handlers.items():
                signal.signal(s, h)
            bar.close()
        st.elapsed_before += time.perf_counter() - t_start
        if cfg.dry_run:
            stopped_by = "dry_run"
        st.finished = stopped_by in ("iterations", "dry_run")
        st.stopped_by = stopped_by
        self._save(st, log, save_dir)
        log.close()
        self._write_final(st, save_dir)
        tb.close()
        best = st.pop.best
        return SearchResult(save_dir, best.structure if best else None, best.score if best else None, st.t,
                            stopped_by, st.counters(), [m.to_dict() for m in st.pop.sorted()], self.resolved())

    def _check_resume_config(self, ckpt: dict[str, Any]) -> None:
        old = ckpt.get("config", {})
        new = recorded(self.cfg)
        diff = [k for k in new if k not in RESUME_FREE_KEYS and k != "seed" and old.get(k) != new[k]]
        if self.cfg.seed is not None and int(ckpt["seed"]) != self.cfg.seed:
            diff.append("seed")
        if diff:
            raise SearchError("cannot resume: the config differs from the checkpoint's in "
                              + ", ".join(f"{k} ({old.get(k)!r} -> {new.get(k)!r})" for k in diff))

    # ---------------------------------------------------------------- the loop
    def _loop(self, st: _State, log: out.CandidateLog, budgets: BudgetSet, tb: out.TensorBoard,
              bar: out.Progress, max_iter: int, save_dir: Path, t_start: float) -> str:
        cfg = self.cfg
        pop, rng, space = st.pop, st.rng, self.space
        res, nc = cfg.input_image_size, cfg.num_classes
        pop_size, seed_phase = cfg.population_size, cfg.seed_phase_size
        first = True
        while st.t < max_iter:
            t = st.t
            if self._stop_signal is not None:
                return "interrupted"
            if not first and t % cfg.checkpoint_every == 0 and not cfg.dry_run:
                self._save(st, log, save_dir, periodic=True)
            first = False
            elapsed = st.elapsed_before + time.perf_counter() - t_start
            if cfg.time_budget is not None and elapsed >= cfg.time_budget:
                logger.info("time budget of %.0f s reached at iteration %d", cfg.time_budget, t)
                return "time_budget"
            if cfg.patience is not None and pop.best is not None and t - st.last_improvement >= cfg.patience:
                logger.info("no new best for %d iterations: stopping at iteration %d", cfg.patience, t)
                return "patience"
            # 1. removal at the top of the iteration
            while len(pop) > pop_size:
                pop.remove_worst()
            # 2. logging
            if t >= 1 and t % cfg.log_every == 0:
                self._log_progress(st, t, elapsed, tb, bar)
            # 3. child generation
            if len(pop) <= seed_phase:
                if self.fix_initialize:
                    blocks = space.mutate(self.s0_blocks, rng, cfg.seed_num_replaces)
                else:
                    blocks = space.random_structure(rng, resolution=res)
            else:
                parent = (pop.choose_uniform(rng) if cfg.parent_selection == "uniform"
                          else pop.choose_tournament(rng, cfg.tournament_size))
                if parent.blocks is None:
                    parent.blocks = parse(parent.structure)
                blocks = space.mutate(parent.blocks, rng, cfg.num_replaces)
            blocks = _split(list(blocks), cfg.split_threshold, cfg.split_times)
            structure = to_str(blocks)
            self._evaluate(st, log, budgets, t, blocks, structure, res, nc, t_start)
            st.t = t + 1
            bar.update()
        return "iterations"

    def _evaluate(self, st: _State, log: out.CandidateLog, budgets: BudgetSet, t: int, blocks: list[Block],
                  structure: str, res: int, nc: int, t_start: float) -> None:
        cfg = self.cfg
        t0 = time.perf_counter()
        rec: dict[str, Any] = {"iteration": t, "structure": structure}
        cached = st.cache.get(structure)
        if cached is not None:
            rec.update(cached.costs)
            rec["proxy_seed"] = cached.seed
            if cached.status in ("accepted", "duplicate"):
                rec["status"] = "duplicate"
                rec["score"] = cached.score
                st.n_duplicate += 1
                if cfg.duplicates == "reinsert":
                    rec["reason"] = "cached score re-inserted"
                    self._insert(st, structure, cached.score, t, cached.costs, blocks)
                    st.consecutive_rejections = 0
                else:
                    rec["reason"] = "already evaluated: skipped"
            elif cached.status == "rejected":
                rec.update(status="rejected", reason=cached.reason, score=None)
                self._count_rejection(st, cached.reason, None)
            else:  # failed
                rec.update(status="failed", reason=cached.reason, score=None)
                st.n_failed_cached += 1
                if cfg.zen_compat_failures:
                    self._insert(st, structure, COMPAT_FAILURE_SCORE, t, cached.costs, blocks)
        else:
            cand = Candidate(blocks, structure, res, nc)
            try:
                rej = budgets.first_violation(cand)
            except Exception as exc:  # noqa: BLE001 - e.g. a latency measurement that crashed
                rej = None
                err = f"budget evaluation failed: {type(exc).__name__}: {exc}"
                costs = cand.cost_fields()
                rec.update(costs)
                rec.update(status="failed", reason=err, score=None)
                st.cache[structure] = _Cached("failed", None, err, costs, None)
                st.n_failed_cached += 1
                logger.warning("iteration %d: %s for %s", t, err, structure)
                rec["seconds"] = time.perf_counter() - t0
                rec["time"] = st.elapsed_before + time.perf_counter() - t_start
                log.write(rec)
                return
            if rej is not None:
                costs = cand.cost_fields()
                rec.update(costs)
                rec.update(status="rejected", reason=rej.reason, score=None)
                st.cache[structure] = _Cached("rejected", None, rej.reason, costs, None)
                self._count_rejection(st, rej.reason, rej)
            else:
                st.consecutive_rejections = 0
                st.streak_min.clear()
                _ = cand.costs
                costs = cand.cost_fields()
                rec.update(costs)
                pseed = derive_seed(st.seed, structure)
                sc = self.scorer(cand, pseed)
                st.n_scored += 1
                st.proxy_seconds += sc.proxy_seconds
                st.build_seconds += sc.build_seconds
                rec["proxy_seed"] = pseed
                if sc.ok:
                    rec.update(status="accepted", reason=None, score=sc.score)
                    st.cache[structure] = _Cached("accepted", sc.score, None, costs, pseed)
                    self._insert(st, structure, sc.score, t, costs, blocks)
                else:
                    st.n_failed += 1
                    rec.update(status="failed", reason=sc.error, score=None)
                    st.cache[structure] = _Cached("failed", None, sc.error, costs, pseed)
                    logger.warning("iteration %d: proxy %s failed (%s) for %s", t, self.proxy_name, sc.error,
                                   structure)
                    if cfg.zen_compat_failures:
                        self._insert(st, structure, COMPAT_FAILURE_SCORE, t, costs, blocks)
                    elif (st.n_failed >= cfg.failure_min_count
                          and st.n_failed / st.n_scored > cfg.max_failure_rate):
                        log.write({**rec, "seconds": time.perf_counter() - t0})
                        raise SearchError(
                            f"proxy {self.proxy_name} failed on {st.n_failed} of {st.n_scored} candidates "
                            f"({st.n_failed / st.n_scored:.0%} > max_failure_rate {cfg.max_failure_rate:.0%}); "
                            f"last error: {sc.error}. See candidates.jsonl (status 'failed') for structures "
                            f"and reasons.")
        rec["seconds"] = time.perf_counter() - t0
        rec["time"] = st.elapsed_before + time.perf_counter() - t_start
        log.write(rec)

    def _insert(self, st: _State, structure: str, score: float, t: int, costs: dict, blocks) -> None:
        prev = st.pop.best
        m = st.pop.add(structure, score, t, costs, blocks)
        st.n_inserted += 1
        if prev is None or st.pop.best is m:
            if prev is None or m.score > prev.score:
                st.last_improvement = t
                st.history.append((t, st.elapsed_now(), m.score))
        if score != COMPAT_FAILURE_SCORE:
            st.points["score"].append(score)
            st.points["params"].append(costs.get("params"))
            st.points["flops"].append(costs.get("flops"))

    def _count_rejection(self, st: _State, reason: str | None, rej) -> None:
        st.n_rejected += 1
        st.consecutive_rejections += 1
        name = rej.budget.name if rej is not None else (reason or "?").split("(")[-1].split(",")[0].rstrip(")")
        st.rejections_by[name] = st.rejections_by.get(name, 0) + 1
        if rej is not None:
            prev = st.streak_min.get(name)
            if prev is None or rej.value < prev[0]:
                st.streak_min[name] = (rej.value, rej.budget.limit, rej.budget.quantity)
        if st.consecutive_rejections >= self.cfg.max_consecutive_rejections:
            detail = "; ".join(f"{n}: smallest {q} seen {v:,.6g} vs limit {lim:,.6g}"
                               for n, (v, lim, q) in st.streak_min.items())
            raise SearchError(
                f"{st.consecutive_rejections} consecutive candidates were rejected by the budgets "
                f"(max_consecutive_rejections): the budget looks unmeetable in this space from this start. "
                f"{detail}. Rejections by budget: {st.rejections_by}")

    # ---------------------------------------------------------------- logging / saving
    def _log_progress(self, st: _State, t: int, elapsed: float, tb: out.TensorBoard, bar: out.Progress) -> None:
        scores = st.pop.scores()
        hi, lo = (max(scores), min(scores)) if scores else (float("nan"), float("nan"))
        rate = (t - st.t_at_start) / max(1e-9, elapsed - st.elapsed_before) if t > st.t_at_start else 0.0
        logger.info("iter %d: best %.4g worst %.4g pop %d | %.1f it/s | scored %d rejected %d duplicate %d "
                    "failed %d | proxy %.0f%% of %.2f h", t, hi, lo, len(scores), rate, st.n_scored, st.n_rejected,
                    st.n_duplicate, st.n_failed, 100 * st.proxy_seconds / max(elapsed, 1e-9), elapsed / 3600)
        tb.scalars(t, {"score/best": hi, "score/worst": lo, "population/size": len(scores),
                       "rate/iterations_per_s": rate, "count/scored": st.n_scored, "count/rejected": st.n_rejected,
                       "count/duplicate": st.n_duplicate, "count/failed": st.n_failed})
        bar.postfix(best=f"{hi:.4g}", scored=st.n_scored, rej=st.n_rejected)

    def _save(self, st: _State, log: out.CandidateLog, save_dir: Path, periodic: bool = False) -> None:
        if self.cfg.dry_run:
            return
        nbytes = log.flush(sync=True)
        save_checkpoint(save_dir, st.state(nbytes, recorded(self.cfg)))
        if periodic:  # the current population and best, for a look while the search runs
            out.write_population(save_dir, [m.to_dict() for m in st.pop.sorted()])
            best = st.pop.best
            out.write_best(save_dir, best.to_dict() if best else None, self._best_info(st))

    def _best_info(self, st: _State) -> dict[str, Any]:
        cfg = self.cfg
        return {"proxy": self.proxy_name, "seed": st.seed, "input_image_size": cfg.input_image_size,
                "num_classes": cfg.num_classes, "search_space": cfg.search_space, "iterations": st.t,
                "finished": st.finished, "stopped_by": st.stopped_by or "running",
                "budgets": self.budgets.describe(), "counters": st.counters()}

    def _write_final(self, st: _State, save_dir: Path) -> None:
        if self.cfg.dry_run:
            return
        cfg = self.cfg
        members = [m.to_dict() for m in st.pop.sorted()]
        out.write_population(save_dir, members)
        best = st.pop.best
        out.write_best(save_dir, best.to_dict() if best else None, self._best_info(st))
        if best is None:
            logger.warning("no candidate was admitted: best_structure.txt not written")
        if cfg.plots:
            hist = list(st.history)
            if hist:  # extend the step plot to the end of the search
                hist.append((st.t, st.elapsed_before, hist[-1][2]))
            out.write_plots(save_dir, hist, st.points, self.proxy_name)
