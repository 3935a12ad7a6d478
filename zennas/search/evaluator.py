"""The evaluator: score cache, budgets (cheapest first) and the proxy -> a typed :class:`CandidateRecord`.

Scoring one candidate is a pure function of (structure, resolved scoring settings, seed):
:func:`score_structure` takes a picklable :class:`ScoringSpec`, the blocks or the string, and the
per-candidate seed :func:`derive_seed` gives, so it can run in another process and return the same
:class:`Score`.  The :class:`Evaluator` adds what must stay in one place: the cache (a structure is
evaluated once; its verdict, score or failure is reused), the budgets and the record.  It logs
nothing and changes no counters; the search applies the record.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from zennas.block import Block
from zennas.search.budgets import BudgetSet
from zennas.search.candidate import Candidate, CandidateRecord, Status

COST_KEYS = ("params", "flops", "layers", "mac", "exact_params", "exact_macs", "peak", "latency")


def derive_seed(seed: int, structure: str) -> int:
    """Per-candidate proxy seed: 63 bits of BLAKE2b(seed, structure) (independent of PYTHONHASHSEED)."""
    h = hashlib.blake2b(f"{seed}\x00{structure}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "little") & 0x7FFFFFFFFFFFFFFF


# ---------------------------------------------------------------------------------------------- scoring
@dataclass
class Score:
    ok: bool
    score: float
    error: str | None = None
    proxy_seconds: float = 0.0
    build_seconds: float = 0.0
    components: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ScoringSpec:
    """Everything a proxy score depends on besides the structure and the seed (picklable).

    ``components``: names of numeric ``ProxyResult.extra`` entries to keep with the score (e.g. TE-NAS
    ``("kappa", "linear_regions")``, for population-relative combinations); empty by default.
    ``plugins``: plug-in paths the proxy or blocks come from (loaded first, so a fresh worker process
    scores the same; ``ZENNAS_PLUGINS`` is inherited through the environment).
    ``data``: ``(kind, folder, batches)`` of the fixed image batches a data-dependent proxy gets
    (:func:`proxy_data`: ``"digits"`` offline fallback or ``"cifar10"`` from the folder, at
    ``resolution``, ``batch_size`` images per batch); None: the proxy's own N(0,1) inputs.
    ``native_bf16``: the bf16 policy of "fast" proxies, decided once by the search (None: each process
    detects it), so every worker computes in the same precision.
    """

    proxy: str
    resolution: int
    batch_size: int
    num_classes: int
    device: str
    dtype: str | None = None
    repeat: int = 1
    gamma: float = 0.01
    options: tuple[tuple[str, Any], ...] = ()
    components: tuple[str, ...] = ()
    plugins: tuple[str, ...] = ()
    native_bf16: bool | None = None
    data: tuple[str, str | None, int] | None = None


def score_structure(spec: ScoringSpec, structure: str | Sequence[Block], seed: int) -> Score:
    """Score a structure (string or parsed blocks) with ``spec``'s proxy on the no_reslink network.

    A proxy whose metadata names a ``cost_field`` (Params, FLOPs) is read from
    ``compute_costs(no_reslink=True)`` without building a module; a proxy that needs a module gets the
    no_reslink MasterNet (``compute_proxy(..., inplace=True)``), built with torch's global generator
    seeded from ``seed`` (so a proxy that keeps the default init, TE-NAS, scores the same in every
    process), and its MACs per image (the precision policy's size); others get the string.
    """
    import torch

    from zennas.costs import compute_costs
    from zennas.proxies import compute_proxy, get_proxy
    from zennas.proxies.compute import seed_global_rng
    from zennas.structure import parse, to_str

    t0 = time.perf_counter()
    if spec.plugins:
        from zennas.plugins import load_plugins

        load_plugins(spec.plugins)
    info = get_proxy(spec.proxy).info
    options = dict(spec.options)
    blocks = parse(structure) if isinstance(structure, str) else list(structure)
    if info.cost_field and not options:
        c = compute_costs(blocks, spec.resolution, spec.num_classes, no_reslink=True)
        return Score(True, float(getattr(c, info.cost_field)), None, time.perf_counter() - t0)
    obj: Any = structure if isinstance(structure, str) else to_str(blocks)
    build, macs = 0.0, None
    if info.needs_model:
        from zennas.masternet import build_model

        try:
            macs = float(compute_costs(blocks, spec.resolution, spec.num_classes, no_reslink=True).exact_macs)
            with torch.random.fork_rng(devices=[]):
                seed_global_rng(seed, torch.device("cpu"))
                obj = build_model(blocks, spec.num_classes, no_reslink=True)
        except Exception as exc:  # noqa: BLE001 - a build failure is a candidate failure
            return Score(False, math.nan, f"build failed: {type(exc).__name__}: {exc}", 0.0, time.perf_counter() - t0)
        build = time.perf_counter() - t0
    r = compute_proxy(info.name, obj, resolution=spec.resolution, batch_size=spec.batch_size,
                      num_classes=spec.num_classes, device=spec.device, dtype=spec.dtype, seed=seed,
                      repeat=spec.repeat, gamma=spec.gamma, inplace=True, macs=macs,
                      native_bf16=spec.native_bf16, dataloader=proxy_data(spec) if info.needs_data else None,
                      **options)
    del obj
    comps = {k: float(r.extra[k]) for k in spec.components if isinstance(r.extra.get(k), (int, float))}
    return Score(bool(r.ok), float(r.score), r.error, r.seconds, build, comps)


@functools.lru_cache(maxsize=4)
def _batches(data: tuple[str, str | None, int], resolution: int, batch_size: int):
    from zennas.data.proxy import cifar10_batches, digits_batches

    kind, folder, n = data
    if kind == "cifar10":
        return cifar10_batches(folder, resolution=resolution, batch_size=batch_size, num_batches=n)
    if kind == "digits":
        return digits_batches(resolution=resolution, batch_size=batch_size, num_batches=n)
    raise ValueError(f"unknown proxy data {kind!r} (digits or cifar10)")


def proxy_data(spec: ScoringSpec):
    """The fixed batches of ``spec.data`` (built once per process, the same in every worker), or None."""
    return None if spec.data is None else _batches(spec.data, spec.resolution, spec.batch_size)


class Scorer:
    """Scores a :class:`Candidate` with a registered proxy: ``scorer(candidate, seed) -> Score``
    (:func:`score_structure` on the candidate's parsed blocks)."""

    def __init__(self, name: str, *, resolution: int, batch_size: int, num_classes: int, device: str,
                 dtype: str | None = None, repeat: int = 1, gamma: float = 0.01,
                 options: dict[str, Any] | None = None, components: Sequence[str] = (),
                 plugins: Sequence[str] = (), native_bf16: bool | None = None,
                 data: tuple[str, str | None, int] | None = None) -> None:
        from zennas.proxies import get_proxy

        self.name = get_proxy(name).info.name
        self.spec = ScoringSpec(self.name, resolution, batch_size, num_classes, device, dtype, repeat, gamma,
                                tuple(sorted((options or {}).items())), tuple(components), tuple(plugins),
                                native_bf16=native_bf16, data=data)

    def __call__(self, cand: Candidate, seed: int) -> Score:
        return score_structure(self.spec, cand.blocks, seed)


# ---------------------------------------------------------------------------------------------- cache
@dataclass
class Verdict:
    """Cache entry: the outcome of a structure's first evaluation."""

    status: Status  # ACCEPTED, REJECTED or FAILED
    score: float | None
    reason: str | None
    costs: dict[str, Any]
    seed: int | None
    budget: str | None = None
    components: dict[str, float] = field(default_factory=dict)


@dataclass
class Job:
    """A candidate that passed every budget and waits for its proxy score (``seed`` derived from it)."""

    candidate: Candidate
    seed: int


class Evaluator:
    """Cache -> budgets (cheapest first) -> scorer, for one search (``seed`` derives the proxy seeds).

    :meth:`evaluate` is :meth:`prepare` (cache and budgets: a record, or a :class:`Job` to score),
    the scorer, then :meth:`finish` (a score) or :meth:`commit` (a fresh budget verdict), the only two
    places that write the cache.  Scoring a job is independent of every other one, so a generation of
    children is prepared in order, its jobs scored anywhere (:func:`score_structure` in worker
    processes), and merged in the same order: :meth:`lookup` first (an earlier sibling may have decided
    the same structure), then commit or finish.
    """

    def __init__(self, budgets: BudgetSet, scorer: Callable[[Candidate, int], Score], *, seed: int,
                 resolution: int, num_classes: int) -> None:
        self.budgets, self.scorer, self.seed = budgets, scorer, seed
        self.resolution, self.num_classes = resolution, num_classes
        self.cache: dict[str, Verdict] = {}

    def evaluate(self, blocks: Sequence[Block], structure: str) -> CandidateRecord:
        t0 = time.perf_counter()
        rec = self.prepare(blocks, structure)
        if isinstance(rec, Job):
            rec = self.finish(rec, self.scorer(rec.candidate, rec.seed))
        elif rec.stage == "budgets":
            self.commit(rec)
        rec.seconds = time.perf_counter() - t0
        return rec

    def lookup(self, structure: str) -> CandidateRecord | None:
        """The record of a structure evaluated before (its cached verdict), else None."""
        v = self.cache.get(structure)
        if v is None:
            return None
        status = Status.DUPLICATE if v.status is Status.ACCEPTED else v.status
        return CandidateRecord(structure, status, "cache", score=v.score if status is Status.DUPLICATE else None,
                               reason=v.reason, budget=v.budget, costs=v.costs, proxy_seed=v.seed,
                               components=v.components)

    def prepare(self, blocks: Sequence[Block], structure: str) -> CandidateRecord | Job:
        """A cached verdict, a budget outcome (not cached yet: :meth:`commit`), or the job of scoring it."""
        rec = self.lookup(structure)
        if rec is not None:
            return rec
        cand = Candidate(blocks, structure, self.resolution, self.num_classes)
        try:
            rej = self.budgets.first_violation(cand)
        except Exception as exc:  # noqa: BLE001 - e.g. a latency measurement that crashed
            err = f"budget evaluation failed: {type(exc).__name__}: {exc}"
            return CandidateRecord(structure, Status.FAILED, "budgets", reason=err, costs=cand.cost_fields())
        if rej is not None:
            return CandidateRecord(structure, Status.REJECTED, "budgets", reason=rej.reason, budget=rej.budget.name,
                                   rejection=rej, costs=cand.cost_fields())
        _ = cand.costs  # every cost field is logged for a scored candidate
        return Job(cand, derive_seed(self.seed, structure))

    def commit(self, rec: CandidateRecord) -> CandidateRecord:
        """Cache a fresh budget verdict (rejection or budget failure) of :meth:`prepare`."""
        self.cache[rec.structure] = Verdict(rec.status, None, rec.reason, rec.costs, None, rec.budget)
        return rec

    def finish(self, job: Job, sc: Score) -> CandidateRecord:
        """Cache the score of a job and return its record."""
        cand, structure = job.candidate, job.candidate.structure
        costs = cand.cost_fields()
        status = Status.ACCEPTED if sc.ok else Status.FAILED
        self.cache[structure] = Verdict(status, sc.score if sc.ok else None, sc.error, costs, job.seed,
                                        components=sc.components)
        return CandidateRecord(structure, status, "proxy", score=sc.score if sc.ok else None, reason=sc.error,
                               costs=costs, proxy_seed=job.seed, components=sc.components,
                               proxy_seconds=sc.proxy_seconds, build_seconds=sc.build_seconds)

    def restore(self, records: Iterable[dict[str, Any]]) -> None:
        """Rebuild the cache from ``candidates.jsonl`` records (first verdict of each structure)."""
        for r in records:
            s = r["structure"]
            if s in self.cache:
                continue
            costs = {k: r[k] for k in COST_KEYS if k in r}
            if r["status"] in ("accepted", "duplicate") and r.get("score") is not None:
                self.cache[s] = Verdict(Status.ACCEPTED, r["score"], None, costs, r.get("proxy_seed"),
                                        components=r.get("components", {}))
            elif r["status"] in ("rejected", "failed"):
                self.cache[s] = Verdict(Status(r["status"]), None, r.get("reason"), costs, r.get("proxy_seed"),
                                        r.get("budget") or _budget_of_old_record(r))


def _budget_of_old_record(r: dict[str, Any]) -> str | None:
    """The rejecting budget of a log line written before records named it (read from its reason,
    ``"params 1,234 > 1,000 (budget_model_size, zen mode)"``), so such a search resumes with exact counters."""
    if r["status"] != "rejected":
        return None
    m = re.search(r"\((\w+)[,)]", r.get("reason") or "")
    return m.group(1) if m else None


__all__ = ["COST_KEYS", "Evaluator", "Job", "Score", "Scorer", "ScoringSpec", "Verdict", "derive_seed", "proxy_data",
           "score_structure"]
