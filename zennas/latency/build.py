"""Building a table: sample the structures a space produces around a budget, time their units, calibrate.

:func:`build_table` works in rounds so that a latency budget can bound the sampling before any overhead
is known: round 0 draws a few structures near the initial one and times their units; every later round
draws more with the current table's prediction (interpolated, uncalibrated) as a latency filter at
``margin`` x the budget, and times the new units.  Finally ``calibrate`` networks, spread evenly over the
predicted latency range, are measured whole and the per-network overhead model is fitted
(:meth:`TablePredictor.calibrate`).  The sampler is a callable (``zennas.search.latency`` provides the
search's own mutation + budgets), so this module does not depend on the search.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from zennas.block import DEFAULT_OPTIONS, Block, Options
from zennas.latency.lut import LatencyTable, Setting, Timer, fill_table
from zennas.latency.measure import LatencyError, LatencyResult, measure_latency
from zennas.latency.predictor import TablePredictor
from zennas.latency.units import network_units

logger = logging.getLogger(__name__)

#: ``sampler(k, latency_fn)`` -> up to k new structures; ``latency_fn(blocks)`` -> predicted s/image or None
Sampler = Callable[[int, "Callable[[Sequence[Block]], float] | None"], list[list[Block]]]


def list_sampler(nets: Sequence[Sequence[Block]]) -> Sampler:
    """A sampler that hands out the given structures in order (no latency filter)."""
    it = iter(list(nets))

    def take(k: int, latency_fn=None) -> list[list[Block]]:
        return [list(b) for _, b in zip(range(k), it)]

    return take


@dataclass
class BuildReport:
    structures: int = 0
    units: int = 0
    timed: int = 0
    calibration: dict[str, Any] = field(default_factory=dict)


def measure_network(blocks: Sequence[Block], resolution: int, num_classes: int, setting: Setting,
                    timer: Timer) -> LatencyResult:
    """The whole MasterNet (residual links on) measured like the table's units (same passes and clock)."""
    from zennas.masternet import build_model

    return measure_latency(build_model(list(blocks), num_classes), resolution=resolution,
                           batch_size=setting.batch_size, device=timer.device, dtype=setting.dtype,
                           warmup=timer.warmup, repeats=timer.repeats, channels_last=setting.channels_last,
                           threads=setting.threads or None, clock=timer.clock)


def build_table(table: LatencyTable, setting: Setting, timer: Timer, sampler: Sampler, *, structures: int,
                resolution: int, num_classes: int, budget_latency: float | None = None, rounds: int = 4,
                margin: float = 1.25, calibrate: int = 12, statistic: str = "median", progress: bool | None = None,
                opts: Options = DEFAULT_OPTIONS) -> BuildReport:
    """Sample ``structures`` structures in ``rounds`` rounds, time every unit the table lacks, then calibrate
    on ``calibrate`` measured networks (0: skip).  The table is saved as it grows (resumable)."""
    if structures < 1:
        raise LatencyError(f"structures must be >= 1, got {structures}")
    nets: list[list[Block]] = []
    report = BuildReport()
    per_round = max(1, -(-structures // max(1, rounds)))
    while len(nets) < structures:
        latency_fn = None
        if budget_latency is not None and table.entries(setting):
            pred = TablePredictor(table, setting, opts=opts)
            latency_fn = lambda b, p=pred: p.predict(b, resolution, num_classes)  # noqa: E731
        new = sampler(min(per_round, structures - len(nets)), latency_fn)
        if not new:
            logger.warning("the sampler found no further structure within the budget after %d", len(nets))
            break
        nets.extend(new)
        report.timed += fill_table(table, setting, [network_units(b, resolution, num_classes, opts=opts) for b in new],
                                   timer, progress=progress, opts=opts)
        logger.info("%d structures sampled, table holds %d entries for %s", len(nets),
                    len(table.entries(setting)), setting.key)
    report.structures = len(nets)
    report.units = len({u.key for b in nets for u, _ in network_units(b, resolution, num_classes, opts=opts)})
    if calibrate and nets:
        report.calibration = calibrate_table(table, setting, timer, nets, resolution=resolution,
                                             num_classes=num_classes, count=calibrate, statistic=statistic,
                                             opts=opts)
    if table.path is not None:
        table.save()
    return report


def spread(nets: Sequence[Sequence[Block]], key: Callable[[Sequence[Block]], float], count: int) -> list[int]:
    """Indices of ``count`` items evenly spaced over the sorted ``key`` range (all if fewer)."""
    order = sorted(range(len(nets)), key=lambda i: key(nets[i]))
    if len(order) <= count:
        return order
    return sorted({order[round(j * (len(order) - 1) / (count - 1))] for j in range(count)}) if count > 1 else [
        order[len(order) // 2]]


def calibrate_table(table: LatencyTable, setting: Setting, timer: Timer, nets: Sequence[Sequence[Block]], *,
                    resolution: int, num_classes: int, count: int = 12, statistic: str = "median",
                    opts: Options = DEFAULT_OPTIONS) -> dict[str, Any]:
    """Measure ``count`` networks spread over the predicted range and fit the overhead model."""
    pred = TablePredictor(table, setting, statistic=statistic, opts=opts)
    idx = spread(nets, lambda b: pred.network_features(b, resolution, num_classes)[0], max(3, count))
    if len(idx) < 3:
        raise LatencyError(f"calibration needs >= 3 distinct structures, the sampler gave {len(idx)}")
    chosen = [nets[i] for i in idx]
    runs = [measure_network(b, resolution, num_classes, setting, timer) for b in chosen]
    measured = [r.min if statistic == "min" else r.per_batch for r in runs]
    cal = pred.calibrate(chosen, measured, resolution, num_classes)
    logger.info("calibrated on %d networks: model %s, leave-one-out MAPE %.1f %% (offset only %.1f %%)",
                len(chosen), cal["model"], 100 * cal["loo"][cal["model"]]["mape"], 100 * cal["loo"]["offset"]["mape"])
    return cal


__all__ = ["BuildReport", "Sampler", "build_table", "calibrate_table", "list_sampler", "measure_network", "spread"]
