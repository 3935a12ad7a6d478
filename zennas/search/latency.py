"""The search's latency budget: estimator per ``latency_mode``, table sampling, and verification of the best.

``latency_mode``:

* ``measure`` - time every candidate (:class:`~zennas.search.budgets.MeasuredLatency`); depends on the
  machine's load, so it is neither pure nor cheap (ZEN's 29 h for 50,000 iterations).
* ``predictor`` - :class:`TableLatency` without a timer: table sums + interpolation + the calibrated
  overhead; a pure function of (table, structure), deterministic and cheap in any worker.
* ``lut`` - the same, but missing units are timed on this device and added to the table (saved); the
  first sight of a unit is a measurement, so it is not pure.
* ``auto`` (default) - ``predictor`` when a table for the setting exists (``latency_lut`` or the
  per-device default), else ``measure`` with a log line saying how to build one.

``latency_verify_top K`` (:class:`LatencyVerifier`) times the best K structures at the end and writes
``latency_verify.json``; over-budget ones are logged as warnings.  :class:`StructureSampler` draws the
structures a search visits (the search's mutation, split and analytic budgets; FLOPs as the score so the
population climbs to the budget) for ``benchmark_network_latency.py --build_lut``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shlex
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from zennas.block import Block
from zennas.latency import LatencyError, LatencyTable, Setting, TablePredictor, Timer, default_table_path
from zennas.search.budgets import LatencyEstimator, LatencyPredictor, MeasuredLatency, budgets_from_config
from zennas.search.candidate import Candidate
from zennas.search.config import ConfigError
from zennas.search.reporters import Reporter
from zennas.search.resolve import initial_structure, resolve_space
from zennas.search.strategy import EvolutionStrategy
from zennas.structure import parse, to_str

logger = logging.getLogger("zennas.search")


def latency_setting(cfg: Any, device: str) -> Setting:
    return Setting.for_device(device, cfg.latency_batch_size or cfg.batch_size, cfg.latency_dtype,
                              cfg.latency_channels_last, cfg.threads)


def build_command(cfg: Any, device: str) -> str:
    """The command that builds the table a config needs."""
    parts = ["benchmark_network_latency.py", "--build_lut"]
    if cfg.latency_lut:
        parts.append(cfg.latency_lut)
    parts += [*(["--config", cfg.name] if cfg.name else ["--search_space", cfg.search_space]),
              "--input_image_size", str(cfg.input_image_size), "--num_classes", str(cfg.num_classes),
              "--batch_size", str(cfg.latency_batch_size or cfg.batch_size), "--dtype", cfg.latency_dtype,
              "--device", device]
    if cfg.latency_channels_last:
        parts.append("--channels_last")
    if cfg.threads:
        parts += ["--threads", str(cfg.threads)]
    return " ".join(shlex.quote(p) for p in parts)


class TableLatency(LatencyPredictor):
    """Latency budget from a :class:`~zennas.latency.LatencyTable` (``predictor`` or ``lut`` mode)."""

    def __init__(self, table: LatencyTable, setting: Setting, *, mode: str = "predictor", timer: Timer | None = None,
                 num_classes: int = 1000) -> None:
        self.table, self.setting, self.mode, self.num_classes = table, setting, mode, num_classes
        self.predictor = TablePredictor(table, setting, timer=timer if mode == "lut" else None)
        self._warned: set[tuple[int, int]] = set()

    def predict(self, blocks: Sequence[Block], resolution: int) -> float:
        key = (resolution, self.num_classes)
        if key not in self._warned and self.table.calibration(self.setting, *key) is None:
            self._warned.add(key)
            logger.warning("latency table %s has no calibration for %d px / %d classes at %s: predicting the "
                           "plain sum of entries (biased low by the per-network overhead)", self.table.path,
                           resolution, self.num_classes, self.setting.describe())
        before = self.predictor.sources["measured"]
        value = self.predictor.predict(blocks, resolution, self.num_classes)
        if self.predictor.sources["measured"] > before and self.table.path is not None:
            self.table.save()
        return value

    def estimate(self, cand: Candidate) -> float:
        self.num_classes = cand.num_classes
        return super().estimate(cand)

    def __repr__(self) -> str:
        return f"TableLatency({self.mode}, {self.table.path}, {self.setting.describe()})"


def make_estimator(cfg: Any, device: str) -> LatencyEstimator:
    """The latency estimator of ``cfg.latency_mode`` (see the module docstring); ConfigError when the mode
    cannot work here (the message names the table and the command that builds it)."""
    try:
        return _make_estimator(cfg, cfg.latency_device or device)
    except LatencyError as exc:
        raise ConfigError(str(exc)) from None


def _make_estimator(cfg: Any, lat_device: str) -> LatencyEstimator:
    measured = MeasuredLatency(device=lat_device, batch_size=cfg.latency_batch_size or cfg.batch_size,
                               dtype=cfg.latency_dtype, warmup=cfg.latency_warmup, repeats=cfg.latency_repeats,
                               num_classes=cfg.num_classes)
    if cfg.latency_mode == "measure":
        return measured
    setting = latency_setting(cfg, lat_device)
    timer = Timer(lat_device, cfg.latency_warmup, cfg.latency_repeats)
    why = ""
    try:
        path: Path | None = Path(cfg.latency_lut) if cfg.latency_lut else default_table_path(lat_device)
    except LatencyError:  # the latency device is not here: no per-device default table
        path, why = None, "no latency table given (--latency_lut)"
    table = LatencyTable.load(path) if path is not None and path.is_file() else None
    if table is not None:  # e.g. the one thread count the table holds when --threads is not given
        setting = table.find_setting(setting.batch_size, setting.dtype, setting.channels_last, cfg.threads) or setting
    lut = cfg.latency_mode == "lut"
    if table is not None and table.entries(setting):
        if lut:
            table = LatencyTable.open(path, lat_device)  # lut mode times on this device: the table must match
        logger.info("latency budget: %s mode, table %s (%s)", "lut" if lut else "predictor", path,
                    setting.describe())
        return TableLatency(table, setting, mode="lut" if lut else "predictor", timer=timer,
                            num_classes=cfg.num_classes)
    why = why or (f"latency table {path} has no entries for {setting.describe()}" if table is not None
                  else f"no latency table at {path}")
    hint = f"{why}; build one on the target device with: {build_command(cfg, lat_device)}"
    if lut and path is not None:
        logger.warning("latency budget: %s; lut mode starts it (every new unit is timed and added)", why)
        return TableLatency(LatencyTable.open(path, lat_device), setting, mode="lut", timer=timer,
                            num_classes=cfg.num_classes)
    if cfg.latency_mode == "predictor":
        raise LatencyError(f"latency_mode predictor: {hint}")
    ok, why_not = measured.available()
    if not ok:
        return _Unavailable(f"{why_not}, and {hint}")
    logger.warning("latency budget: timing every candidate (slow); %s", hint)
    return measured


class _Unavailable(LatencyEstimator):
    """A latency budget that cannot be checked here (the runner reports ``why`` before the search starts)."""

    kind = "measured"

    def __init__(self, why: str) -> None:
        self.why = why

    def available(self) -> tuple[bool, str]:
        return False, self.why

    def estimate(self, cand: Candidate) -> float:
        raise LatencyError(self.why)

    def __repr__(self) -> str:
        return "unavailable"


# -------------------------------------------------------------------------------------------- verification
class LatencyVerifier(Reporter):
    """After a real run: time the best ``k`` structures with the measured estimator and report any over budget."""

    def __init__(self, cfg: Any, device: str, k: int) -> None:
        self.cfg, self.device, self.k = cfg, device, k

    def on_finish(self, run: Any) -> None:
        cfg = self.cfg
        if cfg.budget_latency is None:
            return
        est = make_estimator(dataclasses.replace(cfg, latency_mode="measure"), self.device)
        members = run.engine.strategy.population.sorted()[: self.k]
        ok, why = est.available()
        report: dict[str, Any] = {"budget_latency": cfg.budget_latency, "mode": cfg.latency_mode,
                                  "estimator": repr(est), "structures": []}
        if not ok:
            logger.warning("latency_verify_top: %s; not verified", why)
            report["skipped"] = why
        else:
            for m in members:
                cand = Candidate(parse(m.structure), m.structure, cfg.input_image_size, cfg.num_classes)
                t = est.estimate(cand)
                row = {"structure": m.structure, "score": m.score, "predicted": (m.costs or {}).get("latency"),
                       "measured": t, "over_budget": t > cfg.budget_latency}
                report["structures"].append(row)
                if row["over_budget"]:
                    logger.warning("latency_verify_top: measured %.4g ms/image > budget %.4g ms (predicted %s) for "
                                   "%s", t * 1e3, cfg.budget_latency * 1e3, row["predicted"], m.structure)
            n_over = sum(r["over_budget"] for r in report["structures"])
            logger.info("latency_verify_top: %d of the best %d are over budget_latency", n_over, len(members))
        from zennas.fileio import atomic_write_text

        atomic_write_text(Path(run.save_dir) / "latency_verify.json", json.dumps(report, indent=2) + "\n")


def latency_reporters(cfg: Any, device: str) -> list[Reporter]:
    """The verifier when ``latency_verify_top`` asks for one (real runs with a latency budget)."""
    if cfg.latency_verify_top and cfg.budget_latency is not None and not cfg.dry_run:
        return [LatencyVerifier(cfg, device, cfg.latency_verify_top)]
    return []


# -------------------------------------------------------------------------------------------- sampling
BUDGET_KEYS = ("budget_flops", "budget_model_size", "budget_mac", "budget_peak", "budget_latency", "max_layers")


def sampler_config(config: str | None, overrides: dict[str, Any]) -> Any:
    """The SearchConfig a table is built for: a preset / YAML (``config``) under ``overrides`` (None values
    dropped).  Without any budget, FLOPs <= 4 x those of the initial structure (logged)."""
    from zennas.costs import compute_costs
    from zennas.search.config import build_config, config_path, load_yaml

    layers = [(str(config_path(config)), load_yaml(config))] if config else []
    cfg = build_config(*layers, ("the command line", {k: v for k, v in overrides.items() if v is not None}))
    if all(getattr(cfg, k) is None for k in BUDGET_KEYS):
        s0 = initial_structure(cfg) or resolve_space(cfg).initial_structure(resolution=cfg.input_image_size)
        cfg.budget_flops = 4 * compute_costs(s0, cfg.input_image_size, cfg.num_classes).flops
        logger.info("no budget given: sampling structures with FLOPs <= %.4g (4 x the initial structure's)",
                    cfg.budget_flops)
    return cfg



class StructureSampler:
    """Structures a search visits: S0 (re-chained), the search's mutation and split, its analytic budgets
    (latency excluded), FLOPs as the score (the population climbs to the budget like a Zen-score search
    does), ``population_size`` members.  ``sampler(k, latency_fn)`` returns up to ``k`` new distinct
    structures; ``latency_fn(blocks)`` (seconds/image) rejects those over ``margin`` x budget_latency."""

    def __init__(self, cfg: Any, *, seed: int = 0, population_size: int = 64, margin: float = 1.25) -> None:
        from zennas.spaces.base import rechain

        self.cfg = dataclasses.replace(cfg, population_size=population_size, budget_latency=None)
        self.budget_latency, self.margin = cfg.budget_latency, margin
        space = resolve_space(cfg)
        s0 = initial_structure(cfg)
        s0_blocks = rechain(parse(s0) if s0 else space.initial_structure(resolution=cfg.input_image_size))
        self.budgets = budgets_from_config(self.cfg)
        self.strategy = EvolutionStrategy.from_config(self.cfg, space, np.random.default_rng(seed),
                                                      s0_blocks=s0_blocks, fix_initialize=True)
        self.seen: set[str] = set()
        self.t = 0

    def __call__(self, k: int, latency_fn: Callable[[Sequence[Block]], float] | None = None,
                 max_tries: int | None = None) -> list[list[Block]]:
        cfg, out = self.cfg, []
        tries = 0
        while len(out) < k and tries < (max_tries or 200 * k):
            tries += 1
            self.t += 1
            self.strategy.trim()
            blocks = self.strategy.propose()
            s = to_str(blocks)
            if s in self.seen:
                continue
            self.seen.add(s)
            cand = Candidate(blocks, s, cfg.input_image_size, cfg.num_classes)
            if self.budgets.first_violation(cand) is not None:
                continue
            if latency_fn is not None and self.budget_latency and latency_fn(blocks) > self.margin * self.budget_latency:
                continue
            self.strategy.insert(s, cand.costs.flops, self.t, {}, blocks)
            out.append(list(blocks))
        return out


__all__ = ["BUDGET_KEYS", "LatencyVerifier", "StructureSampler", "TableLatency", "build_command", "latency_reporters",
           "latency_setting", "make_estimator", "sampler_config"]
