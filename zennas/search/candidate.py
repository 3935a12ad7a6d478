"""A candidate under evaluation and the typed record of its outcome.

* :class:`Candidate` - parsed blocks + string, with costs computed lazily (budgets read them).
* :class:`CandidateRecord` - what the evaluator returns for one child: a :class:`Status`, the
  stage that decided it (``cache``, ``budgets`` or ``proxy``), the rejecting budget's name (and, for a
  fresh rejection, the typed :class:`~zennas.search.budgets.Rejection`), the score and optional
  component scores, costs, the proxy seed and timings.  ``to_log`` gives the ``candidates.jsonl`` line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Sequence

from zennas.costs import Costs, compute_costs

if TYPE_CHECKING:
    from zennas.block import Block
    from zennas.search.budgets import Rejection


class Candidate:
    """A structure under evaluation: parsed blocks, string, and lazily computed costs."""

    __slots__ = ("blocks", "structure", "resolution", "num_classes", "_costs", "_layers", "latency")

    def __init__(self, blocks: Sequence["Block"], structure: str, resolution: int, num_classes: int) -> None:
        self.blocks = blocks
        self.structure = structure
        self.resolution = resolution
        self.num_classes = num_classes
        self._costs: Costs | None = None
        self._layers: int | None = None
        self.latency: float | None = None

    @property
    def layers(self) -> int:
        if self._layers is None:
            self._layers = sum(b.num_layers() for b in self.blocks)
        return self._layers

    @property
    def costs(self) -> Costs:
        if self._costs is None:
            self._costs = compute_costs(self.blocks, self.resolution, self.num_classes)
        return self._costs

    def cost_fields(self) -> dict[str, Any]:
        """params/flops/layers/mac (zen mode) + exact counters, for logs; None when not computed."""
        c = self._costs
        out = {"params": None, "flops": None, "layers": self.layers, "mac": None, "exact_params": None,
               "exact_macs": None, "peak": None}
        if c is not None:
            out.update(params=c.params, flops=c.flops, mac=c.mac, exact_params=c.exact_params,
                       exact_macs=c.exact_macs, peak=c.peak)
        if self.latency is not None:
            out["latency"] = self.latency
        return out


class Status(str, Enum):
    """Outcome of one child (the ``status`` field of ``candidates.jsonl``)."""

    ACCEPTED = "accepted"  # scored now, inserted
    REJECTED = "rejected"  # over a budget (now or when first seen)
    FAILED = "failed"  # the proxy or a budget evaluation failed (now or when first seen)
    DUPLICATE = "duplicate"  # seen before and accepted then: its cached score


@dataclass
class CandidateRecord:
    structure: str
    status: Status
    stage: str  # "cache" | "budgets" | "proxy": what decided the status
    score: float | None = None
    reason: str | None = None
    budget: str | None = None  # name of the rejecting budget
    rejection: "Rejection | None" = None  # fresh rejections: budget, value (and its limit)
    costs: dict[str, Any] = field(default_factory=dict)
    proxy_seed: int | None = None
    components: dict[str, float] = field(default_factory=dict)  # per-proxy component scores, if requested
    proxy_seconds: float = 0.0
    build_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def scored(self) -> bool:
        """The proxy ran for this record (not a cached verdict, not stopped by a budget)."""
        return self.stage == "proxy"

    def to_log(self, iteration: int, elapsed: float) -> dict[str, Any]:
        """The ``candidates.jsonl`` line (``proxy_seed`` only when a seed was drawn or cached)."""
        rec: dict[str, Any] = {"iteration": iteration, "structure": self.structure, **self.costs}
        if self.stage != "budgets":
            rec["proxy_seed"] = self.proxy_seed
        rec.update(status=self.status.value, reason=self.reason, score=self.score)
        if self.budget is not None:
            rec["budget"] = self.budget
        if self.components:
            rec["components"] = self.components
        rec.update(seconds=self.seconds, time=elapsed)
        return rec


__all__ = ["Candidate", "CandidateRecord", "Status"]
