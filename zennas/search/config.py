"""Search configuration: one flat dataclass, YAML presets, command-line overrides, validation.

The dataclass is the single source of truth: each field's annotation gives its type (and so how a
YAML or command-line value is coerced), its metadata the help text of its command-line flag, allowed
choices and bounds, whether a change is allowed between a checkpoint and ``--resume``, and whether it
is a runtime switch that is never recorded.

Precedence (lowest first): built-in defaults (the original ZEN defaults) < the YAML file given with
``--config`` (a packaged preset name or a path) < options given on the command line.  Config keys are
the command-line option names (``budget_model_size``, ``zero_shot_score`` ...), so a preset is the list
of flags a script used to pass.  Unknown keys, bad YAML, wrong types and unknown proxy / mutation names
raise :class:`ConfigError` with a message naming the key (and close matches).

Numbers may be written with SI suffixes (``1M``, ``400e6``, ``2.5k``, ``1G``); latencies in seconds
or with a unit (``0.1ms``, ``100us``, ``1e-4``).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import logging
import re
import types
import typing
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from zennas import presets
from zennas.block import MAX_ARG
from zennas.costs import MAX_RESOLUTION
from zennas.fileio import read_yaml_mapping

logger = logging.getLogger("zennas.search")


class ConfigError(ValueError):
    """A configuration or command-line value is invalid (the message says which and why)."""


class SearchError(RuntimeError):
    """The search cannot go on (budget unmeetable, too many proxy failures, ...)."""


def opt(default: Any = None, help: str | None = None, *, factory: Any = None, choices: tuple[str, ...] = (),
        minimum: int | None = None, maximum: int | None = None, positive: bool = False, seconds: bool = False,
        resume_free: bool = False, runtime: bool = False, before: Any = MISSING) -> Any:
    """A config field.  ``help``: exposed as a command-line flag; ``choices``: allowed values;
    ``minimum`` / ``maximum``: allowed range (``positive``: must be > 0); ``seconds``: a time (``0.1ms``);
    ``resume_free``: may change between a checkpoint and ``--resume``; ``runtime``: never recorded;
    ``before``: the behaviour of configs written before the key existed, when it differs from the default."""
    md = {"help": help, "choices": choices, "minimum": minimum, "maximum": maximum, "positive": positive,
          "seconds": seconds, "resume_free": resume_free, "runtime": runtime, "before": before}
    if factory is not None:
        return field(default_factory=factory, metadata=md)
    return field(default=default, metadata=md)


@dataclass
class SearchConfig:
    """Every knob of the evolutionary search.  Defaults reproduce ZEN's ``evolution_search.py``."""

    # --- what to search (ZEN options)
    zero_shot_score: str = opt("Zen", "proxy: Zen, TE-NAS, Syncflow, GradNorm, Flops, Params, Random, NASWOT, ZiCo, "
                               "MeCo, SWAP, AZ-NAS, jacob_cov, SNIP, Ensemble (rank ensemble of proxy_options "
                               "components; default Zen)")
    search_space: str = opt("XXBL", "space name (XXBL, IDW_fixfc, adlik) or .py path (default XXBL)")
    search_space_list: list[str] | None = opt(None, "ADLIK: block modules for the adlik space")
    space_options: dict[str, Any] = opt(factory=dict)  # passed to the space's constructor
    mutation: str | None = opt(None, "a mutation kind a registered space implements: zen (re-sample a block "
                               "from the space) or adlik (scale channels); default: the space's own")
    origin: bool = opt(False, "ADLIK: ZEN mutation with --search_space")
    fix_initialize: bool | None = opt(None, "ADLIK: seed the population from the initial structure")
    plainnet_struct: str | None = opt(None, "initial structure string")
    plainnet_struct_txt: str | None = opt(None, "file whose first line is the initial structure")
    rechain: bool = opt(False, "repair the initial structure's channel chaining: each block reads the previous "
                        "block's output (published strings whose blocks disagree, e.g. ZEN's latency presets)")
    plugins: list[str] = opt(factory=list, help="plug-in files or folders (blocks, spaces, proxies) to load")
    # --- budgets (None = unset); cost modes: "zen" (original counters) or "exact"
    budget_model_size: float | None = opt(None, "max params (zen count; e.g. 1e6 or 1M)", positive=True)
    budget_flops: float | None = opt(None, "max FLOPs at --input_image_size (zen count; e.g. 400M)", positive=True)
    budget_mac: float | None = opt(None, "max memory access cost (elements, ShuffleNet V2 definition)",
                                   positive=True)
    budget_peak: float | None = opt(None, "max peak activation elements of one op", positive=True)
    budget_latency: float | None = opt(None, "max seconds per image (e.g. 1e-4 or 0.1ms); see --latency_mode",
                                       positive=True, seconds=True)
    max_layers: int | None = opt(None, "max sum of super-block sub-layers", positive=True)
    params_mode: str = opt("zen", "params budget counter: zen or exact", choices=("zen", "exact"))
    flops_mode: str = opt("zen", "FLOPs budget counter: zen or exact", choices=("zen", "exact"))
    latency_device: str | None = opt(None, "device of the latency budget (default --device)")  # None: --device
    latency_batch_size: int | None = opt(None)  # None: --batch_size
    latency_dtype: str = opt("float32")
    latency_repeats: int = opt(5, minimum=1)
    latency_warmup: int = opt(3)
    latency_channels_last: bool = opt(False)
    latency_mode: str = opt("auto", "latency budget: measure (time every candidate), lut (table sums, missing units "
                            "timed and added), predictor (table sums + interpolation, never times), auto (predictor "
                            "if a table for the device exists, else measure; default)",
                            choices=("auto", "measure", "lut", "predictor"))
    latency_lut: str | None = opt(None, "latency table file (default: the per-device table in ~/.cache/zennas/"
                                  "latency, see benchmark_network_latency.py --build_lut)")
    latency_verify_top: int = opt(0, "after the search, time the best K structures and report any over "
                                  "budget_latency (default 0: off)", minimum=0, resume_free=True)
    max_consecutive_rejections: int = opt(10_000, "error after this many rejected children in a row (default "
                                          "10000)", minimum=1, resume_free=True)
    # --- proxy
    batch_size: int = opt(64, "proxy (and latency) batch size (default 64)", minimum=1, maximum=MAX_ARG)
    input_image_size: int = opt(224, "resolution (default 224)", minimum=1, maximum=MAX_RESOLUTION)
    num_classes: int = opt(1000, "classes of the FC head (default 1000)", minimum=1, maximum=MAX_ARG)
    gamma: float = opt(0.01, "Zen-score perturbation (default 0.01)")
    proxy_repeat: int = opt(1, minimum=1)
    proxy_dtype: str | None = opt(None, "proxy precision (float32, bf16, fp16; default: the proxy's)")
    proxy_options: dict[str, Any] = opt(factory=dict)
    proxy_data: str = opt("auto", "images for data-dependent proxies (MeCo, ZiCo, jacob_cov, SNIP, SWAP, Ensemble): "
                          "cifar10 (from --proxy_data_dir), digits (offline fallback, sklearn digits upsampled), "
                          "noise (the proxy's own N(0,1) inputs), auto (cifar10 with --proxy_data_dir, else digits; "
                          "default)", choices=("auto", "cifar10", "digits", "noise"))
    proxy_data_dir: str | None = opt(None, "folder holding cifar-10-batches-py (torchvision layout; never downloaded)")
    proxy_data_batches: int = opt(2, "batches of --batch_size images for data-dependent proxies (default 2: ZiCo "
                                  "needs two)", minimum=1)
    device: str = opt("auto", "auto, cpu, cuda, cuda:1 ... (default auto)", resume_free=True)
    threads: int | None = opt(None, "torch.set_num_threads of the search process (scoring workers use "
                              "--proxy_threads)", resume_free=True)
    # --- execution: where candidates are scored (never changes the result; generation_size and
    # proxy_threads do, so they are recorded and checked on --resume)
    generation_size: int = opt(32, "children per generation, bred from the population as it stands, scored in "
                               "parallel, merged in order; 1 = the original algorithm (default 32)", minimum=1,
                               before=1)
    workers: int | None = opt(None, "scoring worker processes (default: one per usable CPU / proxy_threads; 0: "
                              "score in the search process); never changes the result", minimum=0, resume_free=True)
    proxy_threads: int = opt(1, "intra-op threads per scoring worker (proxy values depend on it; default 1)",
                             minimum=1)
    executor: str = opt("local", "local (worker processes on this machine) or ray (a Ray cluster, --ray_address)",
                        choices=("local", "ray"), resume_free=True)
    ray_address: str | None = opt(None, "Ray cluster to join, e.g. HEAD_IP:6379 (default: start a local Ray)",
                                  resume_free=True)
    worker_start: str = opt("forkserver", choices=("forkserver", "spawn"), resume_free=True)
    # --- evolution
    evolution_max_iter: int = opt(480_000, "loop iterations (default 480000)", minimum=1, resume_free=True)
    population_size: int = opt(512, "population cap (default 512)", minimum=1)
    seed_phase_size: int = opt(10)  # ZEN: mutate S0 while the population has <= 10 members
    seed_num_replaces: int = opt(1)
    num_replaces: int = opt(2)
    split_threshold: int = opt(6, minimum=1)
    split_times: int = opt(2)
    parent_selection: str = opt("uniform", choices=("uniform", "tournament"))
    tournament_size: int = opt(4, minimum=1)
    duplicates: str = opt("reinsert", "reinsert (ZEN, cached score) or skip (ADLIK)", choices=("reinsert", "skip"))
    seed: int | None = opt(None, "seed of the one numpy Generator (default: random, recorded)")
    # --- failures
    zen_compat_failures: bool = opt(False, "insert failed candidates with score -9999 (original behaviour)")
    max_failure_rate: float = opt(0.5, "error when more than this fraction of scored candidates fail (default "
                                  "0.5)", resume_free=True)
    failure_min_count: int = opt(20, minimum=1, resume_free=True)
    # --- stop criteria
    time_budget: float | None = opt(None, "stop after this many seconds (cumulative over resumes)", positive=True,
                                    resume_free=True)
    patience: int | None = opt(None, "stop after this many iterations without a new best", minimum=1,
                               resume_free=True)
    # --- outputs
    save_dir: str | None = opt(None, "output folder", resume_free=True)
    resume: bool = opt(False, "continue from <save_dir>/checkpoint.json", runtime=True)
    overwrite: bool = opt(False, "replace an existing search in save_dir", runtime=True)
    dry_run: bool = opt(False, runtime=True)
    dry_run_iterations: int = opt(2, runtime=True)  # iterations a --dry-run performs (0: only resolve and check)
    log_every: int = opt(1000, "log/TensorBoard every N iterations (default 1000)", minimum=1, resume_free=True)
    log_every_seconds: float = opt(60.0, "also log when this many seconds passed since the last line (default 60; "
                                   "0: every log_every iterations only)", minimum=0, resume_free=True)
    checkpoint_every: int = opt(1000, "checkpoint every N iterations (default 1000)", minimum=1, resume_free=True)
    checkpoint_every_seconds: float = opt(300.0, "also checkpoint when this many seconds passed since the last one "
                                          "(default 300; 0: every checkpoint_every iterations only)", minimum=0,
                                          resume_free=True)
    tensorboard: bool = opt(True, resume_free=True)
    plots: bool = opt(True, resume_free=True)
    progress: bool | None = opt(None, resume_free=True)  # None: only on a terminal
    # --- metadata
    name: str | None = opt(None, resume_free=True)
    description: str | None = opt(None, resume_free=True)
    analyze_args: list[str] = opt(factory=list, resume_free=True)  # for scripts: extra analyze_model.py flags
    train_command: str | None = opt(None, resume_free=True)  # printed by scripts for the winner

    # ------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False)


FIELDS = {f.name: f for f in fields(SearchConfig)}


def _kind(annotation: Any) -> type:
    """The value type of a field annotation: ``float | None`` -> float, ``list[str]`` -> list, ..."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return _kind(args[0])
    return typing.get_origin(annotation) or annotation


#: value type of every key, from the annotations
KINDS: dict[str, type] = {k: _kind(t) for k, t in typing.get_type_hints(SearchConfig).items()}
#: runtime-only switches that never go into a preset / the recorded config
RUNTIME_KEYS = tuple(k for k, f in FIELDS.items() if f.metadata["runtime"])
#: keys whose change does not alter the visited sequence (allowed between a checkpoint and --resume)
RESUME_FREE_KEYS = frozenset(k for k, f in FIELDS.items() if f.metadata["resume_free"])
#: keys a config file may hold that are not options: ``resolved`` (what search_config.yaml records the
#: defaults resolved to) is informational and ignored, so the file feeds back with ``--config``
IGNORED_KEYS = ("resolved",)
ALIASES = {"initial_structure": "plainnet_struct", "proxy": "zero_shot_score", "space": "search_space",
           "iterations": "evolution_max_iter", "max_iter": "evolution_max_iter",
           "resolution": "input_image_size", "budget_params": "budget_model_size"}

_SI = {"": 1.0, "k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "g": 1e9, "G": 1e9, "B": 1e9}
_TIME = {"": 1.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_NUM_RE = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-zµ]*)\s*$")


def default_of(key: str) -> Any:
    f = FIELDS[key]
    return f.default_factory() if f.default is MISSING else f.default  # type: ignore[misc]


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
    """Coerce a YAML / command-line value to the type of field ``key`` (from its annotation)."""
    if value is None:
        return None
    kind = KINDS[key]
    if kind is float:
        return parse_number(value, key, time=FIELDS[key].metadata["seconds"])
    if kind is int:
        v = parse_number(value, key)
        if not float(v).is_integer():
            raise ConfigError(f"{key}: expected an integer, got {value!r}")
        return int(v)
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "yes", "1", "on", "false", "no", "0", "off"):
            return value.lower() in ("true", "yes", "1", "on")
        raise ConfigError(f"{key}: expected true/false, got {value!r}")
    if kind is str:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ConfigError(f"{key}: expected a string, got {type(value).__name__} {value!r}")
        return str(value)
    if kind is list:
        if isinstance(value, str):
            value = value.split()
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, (str, int, float)) for v in value):
            raise ConfigError(f"{key}: expected a list of strings, got {value!r}")
        return [str(v) for v in value]
    if kind is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a mapping, got {value!r}")
        return dict(value)
    raise AssertionError(f"config field {key}: unsupported type {kind}")  # pragma: no cover


def _canonical_key(key: str, where: str) -> str:
    k = key.replace("-", "_")
    k = ALIASES.get(k, k)
    if k not in FIELDS:
        close = difflib.get_close_matches(k, list(FIELDS) + list(ALIASES), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ConfigError(f"unknown config key {key!r} in {where}{hint}")
    return k


def config_path(name_or_path: str | Path) -> Path:
    """A YAML file: an existing path, else the packaged preset of that name (``quickstart``; the former
    ``configs/NAME.yaml`` paths resolve to the packaged preset too)."""
    p = Path(name_or_path)
    if p.is_file():
        return p
    stem = p.stem if p.suffix in (".yaml", ".yml") else p.name
    if len(p.parts) == 1 or p.parent.name == "configs":
        found = presets.path(stem)
        if found is not None:
            return found
    close = difflib.get_close_matches(stem, presets.names(), n=3, cutoff=0.6)
    hint = f"; did you mean preset {', '.join(repr(c) for c in close)}?" if close else ""
    raise ConfigError(f"config file {str(name_or_path)!r} not found (neither a file nor a packaged preset{hint})")


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML preset (a mapping) from a path or a preset name; ConfigError for a missing file, bad
    YAML or a non-mapping."""
    return read_yaml_mapping(config_path(path), path, ConfigError)


QUICKSTART = "quickstart"
#: options that name the network to search from: given without ``--config``, ZEN's defaults are the base
OWN_SEARCH_KEYS = ("plainnet_struct", "plainnet_struct_txt", "search_space", "search_space_list")
BUDGET_KEYS = ("budget_model_size", "budget_flops", "budget_mac", "budget_peak", "budget_latency", "max_layers")


def saved_config(save_dir: str | None) -> dict[str, Any] | None:
    """The recorded config of the run checkpointed in ``save_dir`` (None: no readable checkpoint)."""
    try:
        return json.loads((Path(save_dir) / "checkpoint.json").read_text())["config"] if save_dir else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def config_layers(given: dict[str, Any], config: str | None = None, overrides: dict[str, Any] | None = None,
                  ) -> list[tuple[str, dict[str, Any]]]:
    """The (source, mapping) layers of a command line, lowest first: defaults < the base < the options
    ``given`` < ``overrides`` (``--set``).  The base: ``config`` (a preset or YAML file), on top of the saved
    run's config when ``resume`` is given and ``save_dir`` holds a checkpoint (so a plain ``--resume``
    continues the run with its own settings and iteration count).  Without both, the quickstart preset --
    unless ``given`` names the network to search from (a structure or a search space, as the original
    scripts do): then ZEN's built-in defaults apply, and a warning says so."""
    layers: list[tuple[str, dict[str, Any]]] = []
    saved = saved_config(given.get("save_dir")) if given.get("resume") else None
    if saved is not None:
        logger.info("--resume: the saved run's settings (%s/checkpoint.json); options given override them",
                    given["save_dir"])
        layers.append((f"{given['save_dir']}/checkpoint.json", saved))
    elif config is None:
        own = [k for k in OWN_SEARCH_KEYS if k in given]
        if not own:
            config = QUICKSTART
            logger.info("no --config: starting from the quickstart preset (options given override its keys)")
        else:
            logger.warning("no --config: --%s names a search of its own, so ZEN's built-in defaults apply to every "
                           "option not given (resolution 224, 1000 classes, population 512, 480,000 iterations, no "
                           "budget); add --config quickstart or a preset to start from one", own[0])
    if config is not None:
        layers.append((str(config_path(config)), load_yaml(config)))
    return layers + [("the command line", given), ("--set", overrides or {})]


def build_config(*layers: tuple[str, dict[str, Any]]) -> SearchConfig:
    """Merge (source, mapping) layers over the defaults, coerce types, load plug-ins, validate."""
    values: dict[str, Any] = {}
    for where, mapping in layers:
        for key, val in mapping.items():
            if key in IGNORED_KEYS:
                continue
            k = _canonical_key(str(key), where)
            values[k] = _coerce(k, val)
    cfg = SearchConfig(**values)
    if cfg.plugins:  # before validation: a plug-in may provide the proxy or space the config names
        from zennas.plugins import PluginError, load_plugins

        try:
            load_plugins(cfg.plugins)
        except PluginError as exc:
            raise ConfigError(f"plugins: {exc}") from None
    validate(cfg)
    if all(getattr(cfg, b) is None for b in BUDGET_KEYS):
        logger.warning("no budget is set (%s): the search will favour ever larger networks", ", ".join(BUDGET_KEYS))
    return cfg


def validate(cfg: SearchConfig) -> None:
    for key, f in FIELDS.items():
        v, md = getattr(cfg, key), f.metadata
        if v is None:
            continue
        if md["choices"] and v not in md["choices"]:
            raise ConfigError(f"{key}: {v!r} is not one of {', '.join(md['choices'])}")
        if md["minimum"] is not None and v < md["minimum"]:
            raise ConfigError(f"{key} must be >= {md['minimum']}, got {v}")
        if md["maximum"] is not None and v > md["maximum"]:
            raise ConfigError(f"{key} must be <= {md['maximum']:,}, got {v:,}")
        if md["positive"] and v <= 0:
            raise ConfigError(f"{key} must be > 0, got {v}")
    if not 0 < cfg.max_failure_rate <= 1:
        raise ConfigError(f"max_failure_rate must be in (0, 1], got {cfg.max_failure_rate}")
    if cfg.seed is not None and not 0 <= cfg.seed < 2**63:
        raise ConfigError(f"seed must be in [0, 2**63), got {cfg.seed}")
    if cfg.plainnet_struct and cfg.plainnet_struct_txt:
        raise ConfigError("give only one of plainnet_struct and plainnet_struct_txt")
    check_proxy_name(cfg.zero_shot_score)
    check_proxy_options(cfg.zero_shot_score, cfg.proxy_options)
    if "components" in (cfg.proxy_options or {}):
        from zennas.proxies.ensemble import parse_components

        try:
            parse_components(cfg.proxy_options["components"])
        except ValueError as exc:
            raise ConfigError(f"proxy_options: {exc}") from None
    if cfg.mutation is not None:
        check_mutation(cfg.mutation)


def check_mutation(kind: str) -> str:
    """``kind`` if a registered search space implements that mutation (ConfigError listing the kinds)."""
    from zennas.spaces import SPACES

    kinds = sorted({cls.mutation for _, cls in SPACES.items()})
    if kind not in kinds:
        raise ConfigError(f"mutation: {kind!r} is not one of {', '.join(kinds)} (the mutations the registered "
                          f"search spaces implement)")
    return kind


def check_proxy_name(name: str) -> str:
    """The registered display name of proxy ``name``; ConfigError with suggestions if unknown."""
    from zennas.proxies import PROXIES

    try:
        return PROXIES.get(name).info.name
    except KeyError as exc:
        raise ConfigError(f"zero_shot_score: {exc}") from None


def check_proxy_options(name: str, options: dict[str, Any]) -> None:
    """ConfigError naming a ``proxy_options`` key proxy ``name`` does not take (as space options are checked)."""
    from zennas.proxies import PROXIES
    from zennas.proxies.base import ProxyOptionError, check_options

    try:
        check_options(PROXIES.get(name), options or {})
    except ProxyOptionError as exc:
        raise ConfigError(f"proxy_options: {exc}") from None


def proxy_data_spec(cfg: SearchConfig) -> tuple[str, str | None, int] | None:
    """``(kind, folder, batches)`` of the images a data-dependent proxy gets (None: ``noise``); ConfigError
    for cifar10 without a folder that holds ``cifar-10-batches-py``."""
    kind = cfg.proxy_data
    if kind == "auto":
        kind = "cifar10" if cfg.proxy_data_dir else "digits"
    if kind == "noise":
        return None
    if kind == "cifar10":
        if not cfg.proxy_data_dir:
            raise ConfigError("proxy_data cifar10 needs --proxy_data_dir (the folder holding cifar-10-batches-py)")
        folder = Path(cfg.proxy_data_dir).expanduser()
        if not (folder / "cifar-10-batches-py").is_dir():
            raise ConfigError(f"proxy_data_dir {str(folder)!r} has no cifar-10-batches-py folder (torchvision's "
                              f"CIFAR-10 layout; nothing is downloaded)")
        return ("cifar10", str(folder), cfg.proxy_data_batches)
    return (kind, None, cfg.proxy_data_batches)


def recorded(cfg: SearchConfig) -> dict[str, Any]:
    """The config as written next to the results (runtime switches dropped)."""
    d = cfg.to_dict()
    for k in RUNTIME_KEYS:
        d.pop(k, None)
    return d


def resume_differences(old: dict[str, Any], new: SearchConfig) -> list[str]:
    """Keys (with old -> new values) whose change forbids resuming a checkpoint written with ``old``;
    a key the old config lacks counts as its default, or as its ``before`` value where the engine
    behaved differently before the key existed (``generation_size``: 1)."""
    rec = recorded(new)

    def was(k: str) -> Any:
        before = FIELDS[k].metadata["before"]
        return old.get(k, default_of(k) if before is MISSING else before)

    return [f"{k} ({was(k)!r} -> {v!r})" for k, v in rec.items()
            if k not in RESUME_FREE_KEYS and k != "seed" and was(k) != v]
