"""Search configuration: one flat dataclass, YAML presets, command-line overrides, validation.

Precedence (lowest first): built-in defaults (the original ZEN defaults) < the YAML file given with
``--config`` < options given on the command line.  Config keys are the command-line option names
(``budget_model_size``, ``zero_shot_score`` ...), so a preset is the list of flags a script used to
pass.  Unknown keys, bad YAML, wrong types and unknown proxy / mutation names raise
:class:`ConfigError` with a message naming the key (and close matches).

Numbers may be written with SI suffixes (``1M``, ``400e6``, ``2.5k``, ``1G``); latencies in seconds
or with a unit (``0.1ms``, ``100us``, ``1e-4``).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """A configuration or command-line value is invalid (the message says which and why)."""


class SearchError(RuntimeError):
    """The search cannot go on (budget unmeetable, too many proxy failures, ...)."""


@dataclass
class SearchConfig:
    """Every knob of the evolutionary search.  Defaults reproduce ZEN's ``evolution_search.py``."""

    # --- what to search (ZEN options)
    zero_shot_score: str = "Zen"
    search_space: str = "XXBL"
    search_space_list: list[str] | None = None  # ADLIK: block modules for the "adlik" space
    space_options: dict[str, Any] = field(default_factory=dict)  # passed to get_space(**options)
    mutation: str | None = None  # "zen" | "adlik"; None: "adlik" for the adlik/gsnet space else "zen"
    origin: bool = False  # ADLIK --origin: ZEN mutation with --search_space
    fix_initialize: bool | None = None  # ADLIK: seed from the initial structure (None: True if one is given)
    plainnet_struct: str | None = None
    plainnet_struct_txt: str | None = None
    # --- budgets (None = unset); cost modes: "zen" (original counters) or "exact"
    budget_model_size: float | None = None
    budget_flops: float | None = None
    budget_mac: float | None = None
    budget_peak: float | None = None
    budget_latency: float | None = None  # seconds per image
    max_layers: int | None = None
    params_mode: str = "zen"
    flops_mode: str = "zen"
    latency_device: str | None = None  # None: --device
    latency_batch_size: int | None = None  # None: --batch_size
    latency_dtype: str = "float32"
    latency_repeats: int = 5
    latency_warmup: int = 3
    max_consecutive_rejections: int = 10_000
    # --- proxy
    batch_size: int = 64
    input_image_size: int = 224
    num_classes: int = 1000
    gamma: float = 0.01
    proxy_repeat: int = 1
    proxy_dtype: str | None = None  # None: the proxy's default
    proxy_options: dict[str, Any] = field(default_factory=dict)
    device: str = "auto"
    threads: int | None = None  # torch.set_num_threads
    # --- evolution
    evolution_max_iter: int = 480_000
    population_size: int = 512
    seed_phase_size: int = 10  # ZEN: mutate S0 while the population has <= 10 members
    seed_num_replaces: int = 1
    num_replaces: int = 2
    split_threshold: int = 6
    split_times: int = 2
    parent_selection: str = "uniform"  # "uniform" (ZEN) | "tournament"
    tournament_size: int = 4
    duplicates: str = "reinsert"  # "reinsert" (ZEN: cached score, same visiting order) | "skip" (ADLIK)
    seed: int | None = None  # None: drawn from os.urandom and recorded
    # --- failures
    zen_compat_failures: bool = False  # insert failed candidates with score -9999 like ZEN
    max_failure_rate: float = 0.5
    failure_min_count: int = 20
    # --- stop criteria
    time_budget: float | None = None  # seconds (cumulative over resumes)
    patience: int | None = None  # iterations without a new best
    # --- outputs
    save_dir: str | None = None
    resume: bool = False
    overwrite: bool = False
    dry_run: bool = False
    dry_run_iterations: int = 2  # iterations a --dry-run performs (0: only resolve and check)
    log_every: int = 1000
    checkpoint_every: int = 1000
    tensorboard: bool = True
    plots: bool = True
    progress: bool | None = None  # None: only on a terminal
    # --- metadata
    name: str | None = None
    description: str | None = None
    analyze_args: list[str] = field(default_factory=list)  # for scripts: extra analyze_model.py flags
    train_command: str | None = None  # printed by scripts for the winner

    # ------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False)


FIELDS = {f.name: f for f in fields(SearchConfig)}
# runtime-only switches that never go into a preset / the recorded config
RUNTIME_KEYS = ("resume", "overwrite", "dry_run", "dry_run_iterations")
ALIASES = {"initial_structure": "plainnet_struct", "proxy": "zero_shot_score", "space": "search_space",
           "iterations": "evolution_max_iter", "max_iter": "evolution_max_iter",
           "resolution": "input_image_size", "budget_params": "budget_model_size"}

_SI = {"": 1.0, "k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "g": 1e9, "G": 1e9, "B": 1e9}
_TIME = {"": 1.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_NUM_RE = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-zµ]*)\s*$")

FLOAT_KEYS = {"budget_model_size", "budget_flops", "budget_mac", "budget_peak", "budget_latency", "gamma",
              "max_failure_rate", "time_budget"}
INT_KEYS = {"max_layers", "latency_batch_size", "latency_repeats", "latency_warmup", "max_consecutive_rejections",
            "batch_size", "input_image_size", "num_classes", "proxy_repeat", "threads", "evolution_max_iter",
            "population_size", "seed_phase_size", "seed_num_replaces", "num_replaces", "split_threshold",
            "split_times", "tournament_size", "seed", "dry_run_iterations", "failure_min_count", "patience", "log_every",
            "checkpoint_every"}
BOOL_KEYS = {"origin", "fix_initialize", "zen_compat_failures", "resume", "overwrite", "dry_run", "tensorboard",
             "plots", "progress"}
STR_KEYS = {"zero_shot_score", "search_space", "mutation", "plainnet_struct", "plainnet_struct_txt", "params_mode",
            "flops_mode", "latency_device", "latency_dtype", "proxy_dtype", "device", "parent_selection",
            "duplicates", "save_dir", "name", "description", "train_command"}
CHOICES = {"mutation": ("zen", "adlik"), "params_mode": ("zen", "exact"), "flops_mode": ("zen", "exact"),
           "parent_selection": ("uniform", "tournament"), "duplicates": ("reinsert", "skip")}
POSITIVE = {"evolution_max_iter", "population_size", "batch_size", "input_image_size", "num_classes",
            "split_threshold", "log_every", "checkpoint_every", "max_consecutive_rejections", "latency_repeats",
            "tournament_size", "proxy_repeat", "failure_min_count"}


def parse_number(value: Any, key: str, *, time: bool = False) -> float:
    """``1e6``, ``"1M"``, ``"400e6"``, ``"0.1ms"`` -> float (ConfigError naming ``key`` otherwise)."""
    if isinstance(value, bool):
        raise ConfigError(f"{key}: expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        m = _NUM_RE.match(value)
        table = _TIME if time else _SI
        if m and m.group(2) in table:
            return float(m.group(1)) * table[m.group(2)]
        units = ", ".join(repr(u) for u in table if u)
        raise ConfigError(f"{key}: cannot read {value!r} as a number (plain numbers or suffixes {units})")
    raise ConfigError(f"{key}: expected a number, got {type(value).__name__} {value!r}")


def _coerce(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key in FLOAT_KEYS:
        return parse_number(value, key, time=key == "budget_latency")
    if key in INT_KEYS:
        v = parse_number(value, key)
        if not float(v).is_integer():
            raise ConfigError(f"{key}: expected an integer, got {value!r}")
        return int(v)
    if key in BOOL_KEYS:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "yes", "1", "on", "false", "no", "0", "off"):
            return value.lower() in ("true", "yes", "1", "on")
        raise ConfigError(f"{key}: expected true/false, got {value!r}")
    if key in STR_KEYS:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ConfigError(f"{key}: expected a string, got {type(value).__name__} {value!r}")
        return str(value)
    if key in ("search_space_list", "analyze_args"):
        if isinstance(value, str):
            value = value.split()
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, (str, int, float)) for v in value):
            raise ConfigError(f"{key}: expected a list of strings, got {value!r}")
        return [str(v) for v in value]
    if key in ("space_options", "proxy_options"):
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a mapping, got {value!r}")
        return dict(value)
    return value


def _canonical_key(key: str, where: str) -> str:
    k = key.replace("-", "_")
    k = ALIASES.get(k, k)
    if k not in FIELDS:
        close = difflib.get_close_matches(k, list(FIELDS) + list(ALIASES), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ConfigError(f"unknown config key {key!r} in {where}{hint}")
    return k


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML preset (a mapping); ConfigError for a missing file, bad YAML or a non-mapping."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {str(path)!r} not found")
    try:
        data = yaml.safe_load(p.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {str(path)!r} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {str(path)!r} must hold a mapping of keys to values, "
                          f"not a {type(data).__name__}")
    return data


def build_config(*layers: tuple[str, dict[str, Any]]) -> SearchConfig:
    """Merge (source, mapping) layers over the defaults, coerce types, validate."""
    values: dict[str, Any] = {}
    for where, mapping in layers:
        for key, val in mapping.items():
            k = _canonical_key(str(key), where)
            values[k] = _coerce(k, val)
    cfg = SearchConfig(**values)
    validate(cfg)
    return cfg


def validate(cfg: SearchConfig) -> None:
    for key, choices in CHOICES.items():
        v = getattr(cfg, key)
        if v is not None and v not in choices:
            raise ConfigError(f"{key}: {v!r} is not one of {', '.join(choices)}")
    for key in POSITIVE:
        v = getattr(cfg, key)
        if v is not None and v < 1:
            raise ConfigError(f"{key} must be >= 1, got {v}")
    for key in ("budget_model_size", "budget_flops", "budget_mac", "budget_peak", "budget_latency", "max_layers",
                "time_budget"):
        v = getattr(cfg, key)
        if v is not None and v <= 0:
            raise ConfigError(f"{key} must be > 0, got {v}")
    if cfg.patience is not None and cfg.patience < 1:
        raise ConfigError(f"patience must be >= 1, got {cfg.patience}")
    if not 0 < cfg.max_failure_rate <= 1:
        raise ConfigError(f"max_failure_rate must be in (0, 1], got {cfg.max_failure_rate}")
    if cfg.seed is not None and not 0 <= cfg.seed < 2**63:
        raise ConfigError(f"seed must be in [0, 2**63), got {cfg.seed}")
    if cfg.plainnet_struct and cfg.plainnet_struct_txt:
        raise ConfigError("give only one of plainnet_struct and plainnet_struct_txt")
    check_proxy_name(cfg.zero_shot_score)


def check_proxy_name(name: str) -> str:
    """The registered display name of proxy ``name``; ConfigError with suggestions if unknown."""
    from ZeroShotProxy import PROXIES

    try:
        return PROXIES.get(name).info.name
    except KeyError as exc:
        raise ConfigError(f"zero_shot_score: {exc}") from None


def recorded(cfg: SearchConfig) -> dict[str, Any]:
    """The config as written next to the results (runtime switches dropped)."""
    d = cfg.to_dict()
    for k in RUNTIME_KEYS:
        d.pop(k, None)
    return d
