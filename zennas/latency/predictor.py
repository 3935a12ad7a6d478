"""Latency from the table: the sum of unit entries plus a per-network overhead calibrated on measured networks.

For a network with units u (counted ``n_u`` times, :func:`zennas.latency.units.network_units`):

    S = sum_u n_u * t_u            (t_u: the table entry, seconds per batch)
    predicted = S + o0             ("offset", the base model; o0 = per-network overhead)

``o0`` is the median of (measured - S) over the calibration networks: the network-level work the units
do not time (MasterNet's forward and input, the timing boundaries between units).  Units are timed inside
their network (:class:`~zennas.latency.lut.Timer`), so cache state is already the network's.  Two learned
corrections are fitted too, minimising absolute relative error, and kept **only if** their leave-one-out
MAPE is measurably lower (>= 1 point and >= 10 % relative): ``units`` (+ o1 * number of units executed)
and ``affine`` (s * S + o0 + w * weight elements: what cache misses between units add in proportion).  The
chosen model's leave-one-out errors are its *stated error* (for structures whose units are all in the table).

Units missing from the table are **interpolated** (:class:`Interpolator`, a pure function of the table): a
per-operator-kind cost model fitted on every entry, rescaled by the nearest entries of the same kind.  With a
timer they are **measured on demand** (inside their network) and added instead (``lut`` mode: not a pure
function, it depends on the machine).
"""

from __future__ import annotations

import heapq
import logging
import math
import statistics
from typing import Any, Sequence

import numpy as np

from zennas.block import DEFAULT_OPTIONS, Block, Options
from zennas.latency.lut import LatencyTable, Setting, Timer
from zennas.latency.measure import LatencyError
from zennas.latency.units import Unit, network_units, unit_features, unit_ops

logger = logging.getLogger(__name__)

STATISTICS = ("median", "min")
MODELS = ("offset", "units", "affine")
NEIGHBOURS = 8


class TablePredictor:
    """Predict seconds per batch / per image of a structure from a :class:`LatencyTable` setting.

    ``statistic``: which entry value to sum (``median``, or ``min`` for noisy machines);
    ``timer``: measure missing units on demand and add them (else interpolate)."""

    def __init__(self, table: LatencyTable, setting: Setting, *, statistic: str = "median",
                 timer: Timer | None = None, opts: Options = DEFAULT_OPTIONS) -> None:
        if statistic not in STATISTICS:
            raise LatencyError(f"unknown statistic {statistic!r}; use one of {', '.join(STATISTICS)}")
        if not table.entries(setting) and timer is None:  # nothing to look up or interpolate from
            raise LatencyError(f"latency table {table.path or ''} has no entries for {setting.describe()} "
                               f"(it holds: {', '.join(table.settings()) or 'nothing'}); build them with "
                               f"benchmark_network_latency.py --build_lut")
        self.table, self.setting, self.statistic, self.timer, self.opts = table, setting, statistic, timer, opts
        self._times: dict[str, float] = {}
        self._interp: tuple[int, Interpolator] | None = None
        self.sources = {"table": 0, "interpolated": 0, "measured": 0}

    # ---------------------------------------------------------------- units
    def unit_time(self, unit: Unit) -> float:
        """Seconds per batch of one unit: its table entry, else interpolated."""
        t = self._times.get(unit.key)
        if t is not None:
            return t
        entry = self.table.get(self.setting, unit)
        if entry is not None:
            self.sources["table"] += 1
            t = float(entry[self.statistic])
        else:
            self.sources["interpolated"] += 1
            t = self.interpolate(unit)
        self._times[unit.key] = t
        return t

    def _measure_missing(self, units: Sequence[tuple[Unit, int]]) -> None:
        """With a timer: time the network's units the table lacks (in the network, see Timer.chain), add them."""
        missing = {u.key for u, _ in units if u.key not in self._times and self.table.get(self.setting, u) is None}
        if missing:
            for key, entry in self.timer.chain(units, self.setting, missing, self.opts).items():
                self.table.add(self.setting, Unit.from_key(key), entry)
            self.sources["measured"] += len(missing)
            self._interp = None

    def interpolate(self, unit: Unit) -> float:
        """Cost model x geometric mean of (entry / cost model) over the nearest entries of the same kind."""
        return self.prepare()(unit)

    def prepare(self) -> "Interpolator":
        """The interpolator over the current entries (built once per table size; a search builds it once)."""
        entries = self.table.entries(self.setting)
        if self._interp is None or self._interp[0] != len(entries):
            rows = [(Unit.from_key(k), float(e[self.statistic])) for k, e in sorted(entries.items())]
            if not rows:
                raise LatencyError(f"latency table: nothing to interpolate from for {self.setting.describe()}")
            self._interp = (len(entries), Interpolator(rows, self.opts))
        return self._interp[1]

    # ---------------------------------------------------------------- networks
    def network_features(self, blocks: Sequence[Block], resolution: int, num_classes: int,
                         weights: bool = True) -> tuple[float, float, float]:
        """(S = sum of entries, units executed, weight elements; 0 unless ``weights``) of a network, per batch."""
        units = network_units(blocks, resolution, num_classes, opts=self.opts)
        if self.timer is not None:
            self._measure_missing(units)
        times, s, n, w = self._times, 0.0, 0, 0.0
        for u, c in units:
            t = times.get(u.key)
            s += c * (t if t is not None else self.unit_time(u))
            n += c
            if weights:
                w += c * unit_features(u, self.opts)[2]
        return s, float(n), w

    def predict_batch(self, blocks: Sequence[Block], resolution: int, num_classes: int = 1000) -> float:
        """Predicted seconds per batch (the calibrated model; the plain sum if the table has no calibration
        for this resolution and class count)."""
        cal = self.table.calibration(self.setting, resolution, num_classes)
        x = self.network_features(blocks, resolution, num_classes, weights=cal is not None and cal["model"] == "affine")
        return x[0] if cal is None else apply_model(cal["model"], cal["coef"], x)

    def predict(self, blocks: Sequence[Block], resolution: int, num_classes: int = 1000) -> float:
        """Predicted seconds per image."""
        return self.predict_batch(blocks, resolution, num_classes) / self.setting.batch_size

    def stated_error(self, resolution: int, num_classes: int) -> dict[str, float] | None:
        """The calibration's leave-one-out errors (``mape``, ``p90``: fractions), None if uncalibrated."""
        cal = self.table.calibration(self.setting, resolution, num_classes)
        return None if cal is None else {"mape": cal["loo"][cal["model"]]["mape"],
                                         "p90": cal["loo"][cal["model"]]["p90"]}

    # ---------------------------------------------------------------- calibration
    def calibrate(self, nets: Sequence[Sequence[Block]], measured: Sequence[float], resolution: int,
                  num_classes: int) -> dict[str, Any]:
        """Fit the overhead models on networks with measured seconds per batch, pick one by leave-one-out
        error, store it in the table (save it yourself) and return it."""
        if len(nets) != len(measured) or len(nets) < 3:
            raise LatencyError("calibration needs at least 3 measured networks")
        X = [self.network_features(b, resolution, num_classes) for b in nets]
        y = [float(v) for v in measured]
        loo = {m: loo_errors(m, X, y) for m in MODELS}
        chosen = choose_model(loo)
        cal = {"model": chosen, "coef": fit_model(chosen, X, y), "n": len(y), "statistic": self.statistic,
               "loo": loo, "fits": {m: fit_model(m, X, y) for m in MODELS}}
        self.table.set_calibration(self.setting, resolution, num_classes, cal)
        return cal


class Interpolator:
    """Missing units from the entries ``(unit, seconds)``.

    Base model: a unit costs the sum over the operators it runs (:func:`~zennas.latency.units.unit_ops`) of
    ``a_k + b_k * MACs + c_k * memory elements`` for the operator's kind k (``ConvKXk3s2``, ``BN``, ...), plus
    a constant per unit; all coefficients non-negative, fitted on relative errors over every entry (so a
    7x7 convolution, a 1x1 one and a BN each get their own efficiency).  Kinds the table never saw use one
    generic (count, MACs, memory) cost.  The base model is then rescaled by the shrunk, weighted geometric
    mean of entry / model over the ``NEIGHBOURS`` nearest entries (L1 distance of log MACs, memory,
    operators; weights 1 / (distance + 0.05), shrink n / (n + 1)) of the same kind (role, type, stride,
    resolution)."""

    def __init__(self, rows: Sequence[tuple[Unit, float]], opts: Options = DEFAULT_OPTIONS) -> None:
        self.opts = opts
        kinds = sorted({k for u, _ in rows for k, _, _ in unit_ops(u, opts)})
        self.col = {k: 3 * i for i, k in enumerate(kinds)}
        X = np.array([self._x(u) for u, _ in rows])
        y = np.array([t for _, t in rows])
        scale = np.where(X.max(0) > 0, X.max(0), 1.0)
        coef = nonneg_relative_lstsq(X / scale, y) / scale
        self.kind_coef = {k: tuple(float(v) for v in coef[i:i + 3]) for k, i in self.col.items()}
        per_kind = coef[: 3 * len(self.col)].reshape(-1, 3)
        self.generic = tuple(float(v) for v in (per_kind.mean(0) if len(per_kind) else np.zeros(3)))
        self.const = float(coef[-1])
        self.groups: dict[tuple, list[tuple[tuple[float, ...], float]]] = {}
        for u, t in rows:
            self.groups.setdefault(self._key(u), []).append((self._logf(u), math.log(t / self.base(u))))

    def _x(self, u: Unit) -> np.ndarray:
        """Per kind (count, MACs, memory), then (count, MACs, memory) of unseen kinds, then 1."""
        x = np.zeros(3 * len(self.col) + 4)
        x[-1] = 1.0
        for k, macs, mem in unit_ops(u, self.opts):
            i = self.col.get(k, 3 * len(self.col))
            x[i] += 1
            x[i + 1] += macs
            x[i + 2] += mem
        return x

    def _logf(self, u: Unit) -> tuple[float, ...]:
        macs, mem, _, ops = unit_features(u, self.opts)
        return math.log1p(macs), math.log1p(mem), math.log1p(ops)

    @staticmethod
    def _key(u: Unit) -> tuple:
        name, stride = u.type_and_stride()
        return u.role, name, stride, u.resolution

    def base(self, unit: Unit) -> float:
        """The operator model alone (kinds the table never saw: the mean per-kind coefficients)."""
        t, kc, gen = self.const, self.kind_coef, self.generic
        for k, macs, mem in unit_ops(unit, self.opts):
            a, b, c = kc.get(k, gen)
            t += a + b * macs + c * mem
        return max(t, 1e-9)

    def __call__(self, unit: Unit) -> float:
        g, lf = self.base(unit), self._logf(unit)
        grp = self.groups.get(self._key(unit))
        if not grp:
            return g
        near = heapq.nsmallest(NEIGHBOURS, ((sum(abs(a - b) for a, b in zip(p, lf)), r) for p, r in grp))
        w = [1.0 / (d + 0.05) for d, _ in near]
        shrink = len(near) / (len(near) + 1.0)
        return g * math.exp(shrink * sum(wi * r for wi, (_, r) in zip(w, near)) / sum(w))


def nnls(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """argmin_x ||A x - b||^2 subject to x >= 0 (Lawson-Hanson active set)."""
    n = A.shape[1]
    passive, x = np.zeros(n, bool), np.zeros(n)
    w = A.T @ (b - A @ x)
    for _ in range(3 * n + 10):
        if passive.all() or np.max(np.where(passive, -np.inf, w)) <= 1e-12:
            break
        passive[int(np.argmax(np.where(passive, -np.inf, w)))] = True
        while True:
            z = np.zeros(n)
            z[passive] = np.linalg.lstsq(A[:, passive], b, rcond=None)[0]
            if np.all(z[passive] > 0):
                x = z
                break
            neg = passive & (z <= 0)
            step = x[neg] - z[neg]
            alpha = float(np.min(np.where(step > 0, x[neg] / np.where(step > 0, step, 1.0), 1.0)))
            x = x + alpha * (z - x)
            passive &= x > 1e-15
            x[~passive] = 0.0
        w = A.T @ (b - A @ x)
    return x


def nonneg_relative_lstsq(X: np.ndarray, y: np.ndarray, target: np.ndarray | None = None,
                          weights: np.ndarray | None = None, nonneg: bool = True) -> np.ndarray:
    """argmin_c sum w ((X c - target) / y)^2 (target defaults to y), subject to c >= 0 when ``nonneg``."""
    t = y if target is None else target
    sw = np.sqrt(np.ones_like(y) if weights is None else weights) / y
    Xw, tw = X * sw[:, None], t * sw
    return nnls(Xw, tw) if nonneg else np.linalg.lstsq(Xw, tw, rcond=None)[0]


def robust_relative_fit(X: np.ndarray, y: np.ndarray, target: np.ndarray, nonneg: bool,
                        iterations: int = 30) -> np.ndarray:
    """argmin_c sum |(X c - target) / y| by iteratively re-weighted least squares: one network measured
    while the machine was busy does not pull the fit (unlike least squares)."""
    w = np.ones_like(y)
    c = nonneg_relative_lstsq(X, y, target, w, nonneg)
    for _ in range(iterations):
        r = np.abs((X @ c - target) / y)
        w = 1.0 / np.maximum(r, 1e-4)
        c = nonneg_relative_lstsq(X, y, target, w, nonneg)
    return c


# ------------------------------------------------------------------------------------------------ models
def _design(model: str, X: Sequence[tuple[float, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """(columns fitted, part fixed at coefficient 1) of a model over network features (S, n, w)."""
    S = np.array([x[0] for x in X])
    one = np.ones_like(S)
    if model == "offset":
        return one[:, None], S
    if model == "units":
        return np.stack([one, np.array([x[1] for x in X])], 1), S
    if model == "affine":
        return np.stack([S, one, np.array([x[2] for x in X])], 1), np.zeros_like(S)
    raise LatencyError(f"unknown latency model {model!r}; use one of {', '.join(MODELS)}")


def fit_model(model: str, X: Sequence[tuple[float, ...]], y: Sequence[float]) -> list[float]:
    """Coefficients of ``model``: ``offset``: [o0] = median(y - S); the others minimise the sum of absolute
    relative errors (``units``: [o0, o1]; ``affine``: [s, o0, w], all >= 0)."""
    A, fixed = _design(model, X)
    yy = np.array(y, dtype=float)
    if model == "offset":
        return [float(statistics.median(yy - fixed))]
    return [float(v) for v in robust_relative_fit(A, yy, yy - fixed, nonneg=model == "affine")]


def apply_model(model: str, coef: Sequence[float], x: tuple[float, ...]) -> float:
    """The model's prediction for network features x = (S, units, weights): ``offset`` S + o0, ``units``
    S + o0 + o1 * units, ``affine`` s * S + o0 + w * weights (at least 1 ns)."""
    S, n, w = x
    if model == "offset":
        v = S + coef[0]
    elif model == "units":
        v = S + coef[0] + coef[1] * n
    elif model == "affine":
        v = coef[0] * S + coef[1] + coef[2] * w
    else:
        raise LatencyError(f"unknown latency model {model!r}; use one of {', '.join(MODELS)}")
    return max(float(v), 1e-9)


def loo_errors(model: str, X: Sequence[tuple[float, ...]], y: Sequence[float]) -> dict[str, float]:
    """Leave-one-out relative errors of ``model``: ``mape`` (mean |error|), ``p90`` (90th percentile of
    |error|), ``max``; fractions."""
    errs = []
    for i in range(len(y)):
        rest = [j for j in range(len(y)) if j != i]
        coef = fit_model(model, [X[j] for j in rest], [y[j] for j in rest])
        errs.append(abs(apply_model(model, coef, X[i]) - y[i]) / y[i])
    return {"mape": float(np.mean(errs)), "p90": float(np.percentile(errs, 90)), "max": float(max(errs))}


def choose_model(loo: dict[str, dict[str, float]]) -> str:
    """``offset`` unless a correction lowers the leave-one-out MAPE by >= 1 point and >= 10 % relative."""
    base = loo["offset"]["mape"]
    best = min(MODELS, key=lambda m: loo[m]["mape"])
    gain = base - loo[best]["mape"]
    return best if gain >= 0.01 and gain >= 0.1 * base else "offset"


def percentage_errors(predicted: Sequence[float], measured: Sequence[float]) -> dict[str, float]:
    """MAPE, fraction within +-10 %, p90 and max |error| (fractions) of predictions vs measurements."""
    e = np.abs(np.array(predicted) - np.array(measured)) / np.array(measured)
    return {"mape": float(e.mean()), "within10": float((e <= 0.10).mean()), "p90": float(np.percentile(e, 90)),
            "max": float(e.max()), "bias": float(np.mean((np.array(predicted) - np.array(measured))
                                                          / np.array(measured)))}


__all__ = ["MODELS", "STATISTICS", "TablePredictor", "apply_model", "choose_model", "fit_model", "loo_errors",
           "nnls", "nonneg_relative_lstsq", "percentage_errors", "robust_relative_fit"]
