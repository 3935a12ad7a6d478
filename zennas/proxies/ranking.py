"""Rank statistics and the rank ensemble of zero-shot proxies (population-level scores).

* :func:`rankdata` (average ranks for ties, NaN ranked lowest), :func:`spearman`, :func:`kendall`
  (tau-b), :func:`bootstrap_ci` (percentile interval over resampled candidates, seeded).
* :class:`RankEnsemble` - the AZ-NAS combination rule (Lee & Ham, CVPR 2024) over ANY registered
  proxies: for candidates i = 1..n of one population and components m,

      score_i = sum_m w_m * log( rank_m(i) / n ),   rank 1 = lowest value, n = highest (ties averaged)

  so every component is oriented higher = better (the proxies' own convention), a candidate must be
  good on ALL components to score high (log punishes a bad rank much more than it rewards a good one),
  and the best possible score is 0. A component is a proxy name (its ``score``) or
  ``"proxy:key"`` for a value the proxy reports in ``extra`` (e.g. ``"AZ-NAS:trainability"``,
  ``"TE-NAS:linear_regions"``). A failed or missing value (NaN) ranks lowest; -inf ranks with the lowest.
* :class:`EnsemblePopulation` keeps every candidate's component values (never its ensemble score,
  which is population-relative) and re-ranks on demand; the result depends only on the set of
  candidates, not on insertion order, so it is deterministic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Mapping, Sequence

import numpy as np

Values = Sequence[float] | np.ndarray


# ----------------------------------------------------------------------------- rank statistics
def rankdata(values: Values) -> np.ndarray:
    """Ranks 1..n (float), ties get their average rank; NaN counts as lower than everything."""
    v = np.asarray(values, dtype=np.float64)
    v = np.where(np.isnan(v), -np.inf, v)
    _, inv, counts = np.unique(v, return_inverse=True, return_counts=True)
    last = np.cumsum(counts)  # rank of the last member of each run of equal values
    return (last - (counts - 1) / 2.0)[inv]


def spearman(a: Values, b: Values) -> float:
    """Spearman's rho = Pearson correlation of the average ranks (NaN if a side is constant)."""
    ra, rb = rankdata(a), rankdata(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = math.sqrt(float((ra * ra).sum() * (rb * rb).sum()))
    return float((ra * rb).sum() / den) if den > 0 else float("nan")


def kendall(a: Values, b: Values, chunk: int = 2048) -> float:
    """Kendall's tau-b (ties in either variable corrected), O(n^2) in row chunks; computed on the
    average ranks, so NaN and -inf values count as the lowest."""
    x, y = rankdata(a), rankdata(b)
    n = len(x)
    conc = tx = ty = 0.0
    for s in range(0, n, chunk):
        dx = np.sign(x[s:s + chunk, None] - x[None, :])
        dy = np.sign(y[s:s + chunk, None] - y[None, :])
        conc += float((dx * dy).sum())
        tx += float((dx != 0).sum())
        ty += float((dy != 0).sum())
    den = math.sqrt(tx * ty)
    return conc / den if den > 0 else float("nan")


def bootstrap_ci(a: Values, b: Values, stat: Callable[[np.ndarray, np.ndarray], float] = spearman,
                 n_boot: int = 1000, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of ``stat(a, b)``: candidates resampled with replacement."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    rng = np.random.default_rng(seed)
    n = len(a)
    vals = []
    for _ in range(int(n_boot)):
        idx = rng.integers(0, n, n)
        v = stat(a[idx], b[idx])
        if not math.isnan(v):
            vals.append(v)
    if not vals:
        return float("nan"), float("nan")
    lo, hi = np.quantile(vals, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(lo), float(hi)


# ----------------------------------------------------------------------------- ensemble
def component_value(results: Mapping[str, Any], component: str) -> float:
    """Value of ``"proxy"`` or ``"proxy:key"`` in a mapping proxy name -> ProxyResult / its dict.

    Missing or failed (``ok`` false) results give NaN."""
    name, _, key = component.partition(":")
    r = results.get(name)
    if r is None:
        return float("nan")
    d = r if isinstance(r, Mapping) else r.to_dict()
    if not d.get("ok", True):
        return float("nan")
    v = d.get("extra", {}).get(key) if key else d.get("score")
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


@dataclass(frozen=True)
class RankEnsemble:
    """Sum of (weighted) log normalised ranks over ``components`` (module docstring)."""

    components: tuple[str, ...]
    weights: tuple[float, ...] | None = None
    name: str = "RankEnsemble"

    def __post_init__(self) -> None:
        if not self.components:
            raise ValueError("RankEnsemble needs at least one component")
        if self.weights is not None and len(self.weights) != len(self.components):
            raise ValueError(f"{len(self.weights)} weights for {len(self.components)} components")

    @classmethod
    def aznas(cls) -> "RankEnsemble":
        """AZ-NAS: expressivity, progressivity, trainability and complexity (FLOPs)."""
        return cls(tuple(f"AZ-NAS:{c}" for c in ("expressivity", "progressivity", "trainability", "complexity")),
                   name="AZ-NAS")

    @property
    def proxies(self) -> list[str]:
        """The proxy names whose results the components read (each once, in order)."""
        out: list[str] = []
        for c in self.components:
            p = c.partition(":")[0]
            if p not in out:
                out.append(p)
        return out

    def table(self, population: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """n x m matrix of component values from per-candidate result mappings."""
        return np.array([[component_value(r, c) for c in self.components] for r in population], dtype=np.float64)

    def scores_from_table(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64).reshape(-1, len(self.components))
        n = values.shape[0]
        w = np.ones(len(self.components)) if self.weights is None else np.asarray(self.weights, np.float64)
        total = np.zeros(n)
        for j in range(values.shape[1]):
            total += w[j] * np.log(rankdata(values[:, j]) / n)
        return total

    def scores(self, population: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Ensemble score of every candidate of ``population`` (higher = better, max 0)."""
        return self.scores_from_table(self.table(population))


@dataclass
class EnsemblePopulation:
    """Component values of a set of candidates, keyed by e.g. the structure string."""

    ensemble: RankEnsemble
    values: dict[Hashable, tuple[float, ...]] = field(default_factory=dict)

    def add(self, key: Hashable, results: Mapping[str, Any]) -> tuple[float, ...]:
        """Store (or replace) a candidate's component values from its proxy results."""
        v = tuple(component_value(results, c) for c in self.ensemble.components)
        self.values[key] = v
        return v

    def remove(self, key: Hashable) -> None:
        self.values.pop(key, None)

    def __len__(self) -> int:
        return len(self.values)

    def scores(self) -> dict[Hashable, float]:
        """Population-relative score of every member (independent of insertion order)."""
        keys = list(self.values)
        if not keys:
            return {}
        s = self.ensemble.scores_from_table(np.array([self.values[k] for k in keys]))
        return dict(zip(keys, s.tolist()))

    def worst(self) -> Hashable:
        """The member to drop: lowest score; ties broken by the smallest ``repr(key)`` (deterministic)."""
        sc = self.scores()
        if not sc:
            raise ValueError("empty population")
        return min(sc, key=lambda k: (sc[k], repr(k)))

    def best(self, k: int = 1) -> list[Hashable]:
        sc = self.scores()
        return sorted(sc, key=lambda key: (-sc[key], repr(key)))[:k]


def greedy_components(table: Mapping[str, Values], target: Values, max_components: int = 8) -> list[str]:
    """Forward selection of ensemble components: starting empty, repeatedly add the candidate column
    (name -> values over the same candidates) that gives the highest Spearman(RankEnsemble score,
    target), up to ``max_components``; return the best-scoring prefix of that path (a step may lower
    the score and a later one raise it again). Deterministic: ties go to the alphabetically first name.
    Select on one set of candidates and report on another: the selection itself overfits."""
    names = sorted(table)
    cols = {n: np.asarray(table[n], np.float64) for n in names}
    chosen: list[str] = []
    path: list[tuple[float, list[str]]] = []
    while len(chosen) < min(max_components, len(names)):
        best_rho, best_name = -np.inf, None
        for n in names:
            if n in chosen:
                continue
            comps = chosen + [n]
            ens = RankEnsemble(tuple(comps))
            rho = spearman(ens.scores_from_table(np.stack([cols[c] for c in comps], 1)), target)
            if not math.isnan(rho) and rho > best_rho:
                best_rho, best_name = rho, n
        if best_name is None:
            break
        chosen.append(best_name)
        path.append((best_rho, list(chosen)))
    if not path:
        return []
    top = max(r for r, _ in path)
    return next(c for r, c in path if r == top)  # the shortest prefix reaching the best score


__all__ = ["EnsemblePopulation", "RankEnsemble", "bootstrap_ci", "component_value",
           "greedy_components", "kendall", "rankdata", "spearman"]
