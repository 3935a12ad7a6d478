"""The evolutionary search (ZENNAS_SPEC §4.2): a strategy, an evaluator and the rules that join them.

Per iteration t (defaults = ZEN):

1. the strategy trims the population to ``population_size`` (worst first, first inserted on ties);
2. every ``log_every`` iterations the reporters get a snapshot (best/worst score, rates, counts);
3. the strategy proposes one child (mutation of S0 in the seed phase, of a uniformly chosen parent
   afterwards; split twice).  S0 itself is never scored.  With ``generation_size`` K > 1 the
   strategy proposes K children at the first iteration of a generation, from the population as it
   stands; they are prepared (cache, budgets) at once, their scoring jobs go to the executor
   (worker processes, Ray), and each iteration merges the next one in order.  Scores are pure
   functions of (structure, settings, seed), so the run never depends on the executor or on
   ``--workers``; K = 1 is exactly the original loop;
4. the evaluator returns a typed record (looked up in the cache again at merge time: an earlier
   child of the same generation may have decided the same structure): a cached verdict (a structure is evaluated once; a
   known-good one is re-inserted with its cached score, as ZEN re-inserts duplicates, or skipped with
   ``duplicates: skip``), a budget rejection (cheapest first, from the parsed structure, no module
   built), or a proxy score on the no_reslink network with a per-candidate seed derived from
   (seed, structure), so a score is the same from the cache or not and the strategy's RNG draws never
   depend on the cache;
5. the record is applied: inserted, counted, logged.  Failures (exception, NaN) are logged and
   counted, never inserted (except with ``zen_compat_failures``: score -9999 like ZEN).  Too many
   failures or an unmeetable budget stop the search with an error that says why.

:class:`EvolutionSearch` composes the parts; :class:`~zennas.search.runner.Runner` does the save
directory, signals, checkpoints, resume and outputs.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from zennas.block import Block
from zennas.proxies import get_proxy
from zennas.proxies.ensemble import parse_components
from zennas.search.budgets import BudgetSet, budgets_from_config
from zennas.search.candidate import Candidate, CandidateRecord, Status
from zennas.search.config import ConfigError, SearchConfig, SearchError, check_proxy_name, proxy_data_spec
from zennas.search.evaluator import Evaluator, Job, Score, Scorer
from zennas.search.latency import make_estimator
from zennas.search.reporters import Reporter, notify
from zennas.search.resolve import initial_structure, resolve_device, resolve_space
from zennas.search.runner import Runner, SearchResult
from zennas.search.state import SearchState
from zennas.search.strategy import EvolutionStrategy
from zennas.structure import parse

logger = logging.getLogger("zennas.search")

COMPAT_FAILURE_SCORE = -9999.0


class EvolutionSearch:
    """One search run.  ``space``, ``budgets``, ``scorer`` may be injected (tests, custom tools); a
    scorer is any ``callable(candidate, seed) -> Score``."""

    def __init__(self, cfg: SearchConfig, *, space=None, budgets: BudgetSet | None = None,
                 scorer: Callable[[Candidate, int], Score] | None = None) -> None:
        self.cfg = cfg
        self.device = resolve_device(cfg.device)
        self.proxy_name = check_proxy_name(cfg.zero_shot_score)
        self.space = space if space is not None else resolve_space(cfg)
        self.mutation = getattr(self.space, "mutation", cfg.mutation or "zen")
        self.s0 = initial_structure(cfg)
        fix = cfg.fix_initialize if cfg.fix_initialize is not None else self.s0 is not None
        if fix and self.s0 is None:  # ADLIK: a warning, then random initial structures
            logger.warning("fix_initialize without an initial structure: seeding with random structures")
            fix = False
        if not fix:
            try:
                self.space.random_structure(np.random.default_rng(0), resolution=cfg.input_image_size)
            except NotImplementedError:
                raise ConfigError(f"search space {cfg.search_space!r} cannot draw random structures: give an "
                                  f"initial structure (plainnet_struct or plainnet_struct_txt)") from None
        self.fix_initialize = fix
        self.s0_blocks = parse(self.s0) if self.s0 else None
        self.budgets = budgets if budgets is not None else budgets_from_config(
            cfg, self.device, latency_estimator=make_estimator(cfg, self.device) if cfg.budget_latency else None)
        from zennas.proxies import cpu_has_fast_bf16

        # the bf16 policy is decided here once, so every worker (local or on Ray) computes alike
        self.native_bf16 = cpu_has_fast_bf16() if str(self.device).startswith("cpu") else None
        info = get_proxy(self.proxy_name).info
        self.needs_model = bool(info.needs_model)
        #: components of a population-relative proxy (the rank ensemble), else None
        self.ranking = parse_components(cfg.proxy_options.get("components")) if info.relative else None
        self.data = proxy_data_spec(cfg) if info.needs_data else None
        self.scorer = scorer or Scorer(cfg.zero_shot_score, resolution=cfg.input_image_size,
                                       batch_size=cfg.batch_size, num_classes=cfg.num_classes, device=self.device,
                                       dtype=cfg.proxy_dtype, repeat=cfg.proxy_repeat, gamma=cfg.gamma,
                                       options=cfg.proxy_options, plugins=cfg.plugins, native_bf16=self.native_bf16,
                                       components=self.ranking or (), data=self.data)
        self.state: SearchState | None = None
        self.strategy: EvolutionStrategy | None = None
        self.evaluator: Evaluator | None = None
        self.executor = None  # created at the first scoring job (zennas.search.executor.make_executor)
        self._slots: list = []  # per pending child: None (not dispatched), a record, a (job, id), or SIBLING
        self._slots_of: list | None = None  # the strategy's pending list the slots belong to
        self._seen: set[str] = set()  # structures of the current generation already dispatched

    # ---------------------------------------------------------------- description
    def resolved(self) -> dict[str, Any]:
        d = {"proxy": self.proxy_name, "space": repr(self.space), "mutation": self.mutation,
             "fix_initialize": self.fix_initialize, "device": self.device, "initial_structure": self.s0,
             "budgets": self.budgets.describe()}
        if self.ranking:
            d["ensemble_components"] = list(self.ranking)
        if self.data is not None:
            from zennas.search.evaluator import proxy_data

            spec = self.scorer.spec if isinstance(self.scorer, Scorer) else None
            d["proxy_data"] = proxy_data(spec).description if spec is not None else list(self.data)
        if self.s0_blocks is not None:
            c = Candidate(self.s0_blocks, self.s0, self.cfg.input_image_size, self.cfg.num_classes)
            _ = c.costs
            d["initial_costs"] = c.cost_fields()
        from zennas.proxies import cpu_features

        d["scoring"] = {"generation_size": self.cfg.generation_size, "proxy_threads": self.cfg.proxy_threads,
                        "native_bf16_policy": self.native_bf16, "cpu": cpu_features()}
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

    # ---------------------------------------------------------------- the parts of a run
    def start(self, seed: int, budgets: BudgetSet) -> None:
        """Fresh state, strategy (its RNG seeded with ``seed``) and evaluator for a run."""
        cfg = self.cfg
        self.state = SearchState(seed)
        self.strategy = EvolutionStrategy.from_config(cfg, self.space, np.random.default_rng(seed),
                                                      s0_blocks=self.s0_blocks, fix_initialize=self.fix_initialize,
                                                      ranking=self.ranking)
        self.evaluator = Evaluator(budgets, self.scorer, seed=seed, resolution=cfg.input_image_size,
                                   num_classes=cfg.num_classes)
        self._slots, self._slots_of, self._seen = [], None, set()

    def snapshot(self, t: int, elapsed: float) -> dict[str, Any]:
        st = self.state
        scores = self.strategy.population.scores()
        hi, lo = (max(scores), min(scores)) if scores else (float("nan"), float("nan"))
        rate = (t - st.t_at_start) / max(1e-9, elapsed - st.elapsed_before) if t > st.t_at_start else 0.0
        return {"iteration": t, "best": hi, "worst": lo, "population": len(scores), "rate": rate,
                "scored": st.n_scored, "rejected": st.n_rejected, "duplicate": st.n_duplicate, "failed": st.n_failed,
                "proxy_share": 100 * st.proxy_seconds / max(elapsed, 1e-9), "elapsed": elapsed}

    def step(self, t: int, elapsed: float, reporters: Sequence[Reporter], limit: int | None = None
             ) -> tuple[CandidateRecord, str | None]:
        """Iteration ``t``: trim, report, propose (a generation when none is pending), dispatch the
        generation's children up to iteration ``limit`` (exclusive), merge child ``t``, apply.  Returns
        the record and the message of a stop rule that fired (the caller logs the record, then stops)."""
        st = self.strategy
        st.trim()
        if t >= 1 and t % self.cfg.log_every == 0:
            notify(reporters, "on_log", self.snapshot(t, elapsed))
        if self._slots_of is not st.pending:  # restored from a checkpoint: nothing dispatched yet
            self._slots, self._slots_of, self._seen = [None] * len(st.pending), st.pending, set()
        if not st.pending:
            st.propose_generation(self.cfg.generation_size)
            self._slots, self._seen = [None] * len(st.pending), set()
        self._dispatch(t, limit)
        structure, blocks = st.pending.pop(0)
        rec = self._merge(structure, blocks, self._slots.pop(0))
        return rec, self.apply(t, blocks, rec)

    # ---------------------------------------------------------------- generations: dispatch and merge
    _SIBLING = "sibling"  # the same structure as an earlier child of the generation: decided at its merge

    def _dispatch(self, t: int, limit: int | None) -> None:
        for i, slot in enumerate(self._slots):
            if slot is not None or (limit is not None and t + i >= limit):
                continue
            structure, blocks = self.strategy.pending[i]
            if structure in self._seen:
                self._slots[i] = self._SIBLING
                continue
            self._seen.add(structure)
            t0 = time.perf_counter()
            rec = self.evaluator.prepare(blocks, structure)
            if isinstance(rec, Job):
                rec = (rec, self._executor().submit(rec))
            self._slots[i] = (rec, time.perf_counter() - t0)

    def _merge(self, structure: str, blocks, slot) -> CandidateRecord:
        t0 = time.perf_counter()
        rec = self.evaluator.lookup(structure)  # first: an earlier sibling may have decided it
        if rec is not None:
            rec.seconds = time.perf_counter() - t0
            return rec
        if slot is None or slot == self._SIBLING:  # not dispatched (cannot happen at merge time; be safe)
            self._seen.discard(structure)
            slot = (self.evaluator.prepare(blocks, structure), 0.0)
            if isinstance(slot[0], Job):
                slot = ((slot[0], self._executor().submit(slot[0])), 0.0)
        got, prep = slot
        if isinstance(got, CandidateRecord):
            rec = self.evaluator.commit(got)
        else:
            job, jid = got
            sc = self.executor.result(jid)
            rec = self.evaluator.finish(job, sc)
            prep += sc.build_seconds + sc.proxy_seconds
        rec.seconds = prep  # cache + budgets (+ build + proxy for a scored child), not the wait
        return rec

    def start_executor(self):
        """Create the executor now (it is otherwise created at the first scoring job) and return it;
        e.g. to wait for the workers before timing a run (``executor.wait_ready()``)."""
        return self._executor()

    def _executor(self):
        if self.executor is None:
            from zennas.search.executor import make_executor

            self.executor = make_executor(self.cfg, self.scorer, self.device, self.needs_model)
        return self.executor

    def close(self) -> None:
        """Stop the executor (workers scoring children that will not be merged are terminated)."""
        if self.executor is not None:
            ex, self.executor = self.executor, None
            ex.close(abandon=True)

    # ---------------------------------------------------------------- applying a record
    def apply(self, t: int, blocks: Sequence[Block], rec: CandidateRecord) -> str | None:
        """Insert / count one record; return the message of a stop rule that fired, else None."""
        cfg, st = self.cfg, self.state
        if rec.status is Status.DUPLICATE:
            st.n_duplicate += 1
            if self.ranking:  # a relative score is the one at (re-)insertion, never the cached one
                rec.score = None
            if cfg.duplicates == "reinsert":
                rec.reason = "cached score re-inserted" if not self.ranking else "cached components re-inserted"
                rec.score = self._insert(rec.structure, rec.score, t, rec.costs, blocks, rec.components)
                st.consecutive_rejections = 0
            else:
                rec.reason = "already evaluated: skipped"
            return None
        if rec.status is Status.REJECTED:
            return self._count_rejection(rec)
        if not rec.scored:  # a failure from the cache or from evaluating a budget
            st.n_failed_cached += 1
            if rec.stage == "budgets":
                logger.warning("iteration %d: %s for %s", t, rec.reason, rec.structure)
            elif cfg.zen_compat_failures:
                self._insert(rec.structure, COMPAT_FAILURE_SCORE, t, rec.costs, blocks)
            return None
        st.consecutive_rejections = 0
        st.streak_min.clear()
        st.n_scored += 1
        st.proxy_seconds += rec.proxy_seconds
        st.build_seconds += rec.build_seconds
        if rec.status is Status.ACCEPTED:
            rec.score = self._insert(rec.structure, rec.score, t, rec.costs, blocks, rec.components)
            return None
        st.n_failed += 1
        logger.warning("iteration %d: proxy %s failed (%s) for %s", t, self.proxy_name, rec.reason, rec.structure)
        if cfg.zen_compat_failures:
            self._insert(rec.structure, COMPAT_FAILURE_SCORE, t, rec.costs, blocks)
        elif st.n_failed >= cfg.failure_min_count and st.n_failed / st.n_scored > cfg.max_failure_rate:
            return (f"proxy {self.proxy_name} failed on {st.n_failed} of {st.n_scored} candidates "
                    f"({st.n_failed / st.n_scored:.0%} > max_failure_rate {cfg.max_failure_rate:.0%}); "
                    f"last error: {rec.reason}. See candidates.jsonl (status 'failed') for structures and reasons.")
        return None

    def _insert(self, structure: str, score: float | None, t: int, costs: dict, blocks,
                components: dict[str, float] | None = None) -> float:
        """Insert a member; its score (a ranked population's: the child's rank score at insertion)."""
        st = self.state
        st.n_inserted += 1
        new_best, score = self.strategy.insert(structure, score if score is not None else float("nan"), t, costs,
                                               blocks, components)
        if new_best:
            st.last_improvement = t
            st.history.append((t, st.elapsed_now(), score))
        if score != COMPAT_FAILURE_SCORE:
            st.add_point(score, costs)
        return score

    def _count_rejection(self, rec: CandidateRecord) -> str | None:
        st = self.state
        st.n_rejected += 1
        st.consecutive_rejections += 1
        name = rec.budget or "unknown"
        st.rejections_by[name] = st.rejections_by.get(name, 0) + 1
        rej = rec.rejection
        if rej is not None:
            prev = st.streak_min.get(name)
            if prev is None or rej.value < prev[0]:
                st.streak_min[name] = (rej.value, rej.budget.limit, rej.budget.quantity)
        if st.consecutive_rejections >= self.cfg.max_consecutive_rejections:
            detail = "; ".join(f"{n}: smallest {q} seen {v:,.6g} vs limit {lim:,.6g}"
                               for n, (v, lim, q) in st.streak_min.items())
            return (f"{st.consecutive_rejections} consecutive candidates were rejected by the budgets "
                    f"(max_consecutive_rejections): the budget looks unmeetable in this space from this start. "
                    f"{detail}. Rejections by budget: {st.rejections_by}")
        return None

    # ---------------------------------------------------------------- run
    def run(self, save_dir: str | Path | None = None) -> SearchResult:
        """Run to a stop criterion in ``save_dir`` (default ``cfg.save_dir``); see :class:`Runner`."""
        try:
            return Runner(self).run(save_dir)
        finally:
            self.close()


__all__ = ["COMPAT_FAILURE_SCORE", "EvolutionSearch", "SearchResult"]
