"""Command-line options of the search (``evolution_search.py``), derived from :class:`SearchConfig`.

Every config field with a help text is a flag (booleans are switches, lists take several values).
Precedence: defaults < ``--config NAME_OR_FILE`` < flags < ``--set KEY=VALUE``.  Without ``--config``
and without a structure / space / proxy on the command line the packaged ``quickstart`` preset is used.
"""

from __future__ import annotations

import argparse
from dataclasses import fields

import yaml

from zennas.search.config import KINDS, ConfigError, SearchConfig, build_config, config_path, load_yaml

QUICKSTART = "quickstart"


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="evolution_search.py", description="Evolutionary zero-shot NAS (Zen-NAS).",
                                argument_default=argparse.SUPPRESS, allow_abbrev=False)
    p.add_argument("--config", help="preset name (e.g. quickstart, Zen_NAS_cifar_params1M) or YAML file; flags "
                   "override it")
    for f in fields(SearchConfig):
        hlp = f.metadata.get("help")
        if not hlp:
            continue
        if KINDS[f.name] is bool:
            p.add_argument(f"--{f.name}", action="store_const", const=True, help=hlp)
        elif KINDS[f.name] is list:
            p.add_argument(f"--{f.name}", nargs="+", help=hlp)
        else:
            p.add_argument(f"--{f.name}", help=hlp)
    p.add_argument("--gpu", help="legacy: CUDA index (same as --device cuda:N)")
    p.add_argument("--dry-run", "--dry_run", dest="dry_run", action="store_const", const=True,
                   help="print the resolved config, check the initial structure, run <= 2 iterations, exit")
    p.add_argument("--no-tensorboard", dest="tensorboard", action="store_const", const=False)
    p.add_argument("--no-plots", dest="plots", action="store_const", const=False)
    p.add_argument("--no-progress", dest="progress", action="store_const", const=False)
    p.add_argument("--set", dest="overrides", action="append", metavar="KEY=VALUE",
                   help="any config key (YAML value syntax), repeatable")
    p.add_argument("-v", "--verbose", action="store_const", const=True)
    return p


def config_from_args(argv: list[str] | None = None) -> tuple[SearchConfig, bool]:
    """(resolved config, verbose) from a command line."""
    args = vars(make_parser().parse_args(argv))
    verbose = bool(args.pop("verbose", False))
    config = args.pop("config", None)
    overrides = args.pop("overrides", None) or []
    if "gpu" in args:
        args["device"] = f"cuda:{args.pop('gpu')}"
    layers = []
    if config is None and not any(k in args for k in ("plainnet_struct", "plainnet_struct_txt",
                                                       "search_space", "zero_shot_score")):
        config = QUICKSTART
    if config is not None:
        layers.append((str(config_path(config)), load_yaml(config)))
    layers.append(("the command line", args))
    extra = {}
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"--set expects KEY=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        extra[k.strip()] = yaml.safe_load(v)
    layers.append(("--set", extra))
    return build_config(*layers), verbose


__all__ = ["QUICKSTART", "config_from_args", "make_parser"]
