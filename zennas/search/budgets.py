"""Budgets: named, composable filters evaluated cheapest first, from the parsed structure.

Order (``Budget.rank``): layers -> params -> FLOPs -> MAC -> peak activations -> latency.  Everything
but a measured latency comes from :func:`zennas.costs.compute_costs` on the parsed blocks (no
``nn.Module`` is built).  Each budget says which counter it uses:

=================  =====================  ==================================================
option             budget                 counter
=================  =====================  ==================================================
``max_layers``     :class:`LayersBudget`  sum of super-block ``L`` (ZEN "layers")
``budget_model_size`` :class:`ParamsBudget` ``zen``: ZEN ``get_model_size`` with residual links
                                          (as the original); ``exact``: ``sum(p.numel())``
``budget_flops``   :class:`FlopsBudget`   ``zen``: ZEN ``get_FLOPs`` at the input resolution;
                                          ``exact``: true conv/linear MACs
``budget_mac``     :class:`MacBudget`     memory access cost in elements (ShuffleNet V2, §9.6)
``budget_peak``    :class:`PeakBudget`    largest input+output activation of one op (elements)
``budget_latency`` :class:`LatencyBudget` seconds per image from a :class:`LatencyEstimator`
=================  =====================  ==================================================

A latency estimator is pluggable: :class:`MeasuredLatency` (synchronised measurement, warm-up +
median; not a pure function: it depends on the machine's load) or any :class:`LatencyPredictor`
subclass implementing ``predict`` (``zennas.search.latency.TableLatency``: a per-device table + the
calibrated overhead, a pure function of table and structure).  ``latency_mode`` picks one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from zennas.search.candidate import Candidate

if TYPE_CHECKING:
    from zennas.block import Block

logger = logging.getLogger(__name__)


class Budget:
    """A named upper limit on one value of a candidate.  ``value(candidate)`` computes it."""

    name: str = "budget"  # option name, e.g. "budget_model_size"
    quantity: str = "value"
    rank: int = 100
    mode: str = ""

    def __init__(self, limit: float) -> None:
        self.limit = float(limit)

    def value(self, cand: Candidate) -> float:
        raise NotImplementedError

    def check(self, cand: Candidate) -> tuple[bool, float]:
        v = self.value(cand)
        return v <= self.limit, v

    def reason(self, v: float) -> str:
        mode = f", {self.mode} mode" if self.mode else ""
        return f"{self.quantity} {_fmt(v)} > {_fmt(self.limit)} ({self.name}{mode})"

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "quantity": self.quantity, "limit": self.limit, "mode": self.mode}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.quantity} <= {_fmt(self.limit)}{', ' + self.mode if self.mode else ''})"


def _fmt(v: float) -> str:
    if v != v or abs(v) >= 1e4 or v == int(v):
        return f"{v:,.0f}" if abs(v) >= 1 and v == v else f"{v:g}"
    return f"{v:.6g}"


class LayersBudget(Budget):
    name, quantity, rank, mode = "max_layers", "layers", 10, "zen"

    def value(self, cand: Candidate) -> float:
        return cand.layers


class CostModeBudget(Budget):
    """A budget on one cost with two counting modes: ``zen`` reads :attr:`fields` [0] of the costs,
    ``exact`` reads :attr:`fields` [1] (see :class:`zennas.costs.Costs`)."""

    fields: tuple[str, str] = ("", "")

    def __init__(self, limit: float, mode: str = "zen") -> None:
        super().__init__(limit)
        self.mode = mode

    def value(self, cand: Candidate) -> float:
        return getattr(cand.costs, self.fields[0] if self.mode == "zen" else self.fields[1])


class ParamsBudget(CostModeBudget):
    name, quantity, rank, fields = "budget_model_size", "params", 20, ("params", "exact_params")


class FlopsBudget(CostModeBudget):
    name, quantity, rank, fields = "budget_flops", "FLOPs", 30, ("flops", "exact_macs")


class MacBudget(Budget):
    name, quantity, rank, mode = "budget_mac", "MAC", 40, "elements"

    def value(self, cand: Candidate) -> float:
        return cand.costs.mac


class PeakBudget(Budget):
    name, quantity, rank, mode = "budget_peak", "peak activations", 50, "elements"

    def value(self, cand: Candidate) -> float:
        return cand.costs.peak


# ---------------------------------------------------------------------------------------------- latency
class LatencyEstimator:
    """Seconds per image of a candidate.  ``kind`` is "predictor" (cheap) or "measured"."""

    kind = "predictor"

    def estimate(self, cand: Candidate) -> float:
        raise NotImplementedError

    def available(self) -> tuple[bool, str]:
        return True, ""


class LatencyPredictor(LatencyEstimator):
    """Interface for a latency model (e.g. a per-op lookup table): implement ``predict``."""

    def predict(self, blocks: Sequence["Block"], resolution: int) -> float:
        raise NotImplementedError

    def estimate(self, cand: Candidate) -> float:
        return float(self.predict(cand.blocks, cand.resolution))


class MeasuredLatency(LatencyEstimator):
    """Build the model (with residual links) and time it with :func:`zennas.latency.measure_latency`."""

    kind = "measured"

    def __init__(self, *, device: str = "cpu", batch_size: int = 1, dtype: str = "float32", warmup: int = 3,
                 repeats: int = 5, num_classes: int = 1000) -> None:
        self.device, self.batch_size, self.dtype = device, batch_size, dtype
        self.warmup, self.repeats, self.num_classes = warmup, repeats, num_classes

    def available(self) -> tuple[bool, str]:
        if str(self.device).startswith("cuda"):
            import torch

            if not torch.cuda.is_available():
                return False, f"latency device {self.device!r} is not available on this machine"
        return True, ""

    def estimate(self, cand: Candidate) -> float:
        from zennas.latency import measure_latency
        from zennas.masternet import build_model

        model = build_model(list(cand.blocks), cand.num_classes)
        res = measure_latency(model, resolution=cand.resolution, batch_size=self.batch_size, device=self.device,
                              dtype=self.dtype, warmup=self.warmup, repeats=self.repeats)
        del model
        return res.per_image

    def __repr__(self) -> str:
        return f"MeasuredLatency({self.device}, batch {self.batch_size}, {self.dtype}, median of {self.repeats})"


class LatencyBudget(Budget):
    name, quantity = "budget_latency", "latency (s/image)"

    def __init__(self, limit: float, estimator: LatencyEstimator) -> None:
        super().__init__(limit)
        self.estimator = estimator
        self.mode = estimator.kind
        self.rank = 60 if estimator.kind == "predictor" else 70

    def value(self, cand: Candidate) -> float:
        if cand.latency is None:
            cand.latency = self.estimator.estimate(cand)
        return cand.latency

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "estimator": repr(self.estimator)}


# ---------------------------------------------------------------------------------------------- sets
@dataclass
class Rejection:
    """A typed budget outcome: which budget, and the candidate's value (its limit is ``budget.limit``)."""

    budget: Budget
    value: float

    @property
    def reason(self) -> str:
        return self.budget.reason(self.value)


class BudgetSet:
    """Budgets sorted cheapest first; ``first_violation`` stops at the first one exceeded."""

    def __init__(self, budgets: Sequence[Budget] = ()) -> None:
        self.budgets = sorted(budgets, key=lambda b: b.rank)

    def __iter__(self):
        return iter(self.budgets)

    def __len__(self) -> int:
        return len(self.budgets)

    def first_violation(self, cand: Candidate) -> Rejection | None:
        for b in self.budgets:
            ok, v = b.check(cand)
            if not ok:
                return Rejection(b, v)
        return None

    def all_values(self, cand: Candidate) -> dict[str, float]:
        return {b.name: b.value(cand) for b in self.budgets}

    def describe(self) -> list[dict[str, Any]]:
        return [b.describe() for b in self.budgets]

    def without(self, names: Sequence[str]) -> "BudgetSet":
        return BudgetSet([b for b in self.budgets if b.name not in names])


def budgets_from_config(cfg, device: str = "cpu", latency_estimator: LatencyEstimator | None = None) -> BudgetSet:
    """The BudgetSet of a :class:`~zennas.search.config.SearchConfig` (unset budgets are skipped)."""
    out: list[Budget] = []
    if cfg.max_layers is not None:
        out.append(LayersBudget(cfg.max_layers))
    if cfg.budget_model_size is not None:
        out.append(ParamsBudget(cfg.budget_model_size, cfg.params_mode))
    if cfg.budget_flops is not None:
        out.append(FlopsBudget(cfg.budget_flops, cfg.flops_mode))
    if cfg.budget_mac is not None:
        out.append(MacBudget(cfg.budget_mac))
    if cfg.budget_peak is not None:
        out.append(PeakBudget(cfg.budget_peak))
    if cfg.budget_latency is not None:
        est = latency_estimator or MeasuredLatency(  # EvolutionSearch passes the latency_mode's estimator
            device=cfg.latency_device or device, batch_size=cfg.latency_batch_size or cfg.batch_size,
            dtype=cfg.latency_dtype, warmup=cfg.latency_warmup, repeats=cfg.latency_repeats,
            num_classes=cfg.num_classes)
        out.append(LatencyBudget(cfg.budget_latency, est))
    return BudgetSet(out)
