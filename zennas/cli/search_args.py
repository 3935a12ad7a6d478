"""Command-line options of the search (``evolution_search.py``), derived from :class:`SearchConfig`.

Every config field with a help text is a flag (booleans are switches, lists take several values).
Precedence and the base without ``--config`` (the saved run on ``--resume``, the quickstart preset, or
ZEN's defaults when a structure / search space is named): :func:`zennas.search.config.config_layers`.
"""

from __future__ import annotations

import argparse
from dataclasses import fields

import yaml

from zennas.cli.errors import ArgumentParser
from zennas.search.config import KINDS, QUICKSTART, ConfigError, SearchConfig, build_config, config_layers


def make_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(prog="evolution_search.py", description="Evolutionary zero-shot NAS (Zen-NAS).",
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
    """(resolved config, verbose) from a command line (layers: :func:`zennas.search.config.config_layers`)."""
    args = vars(make_parser().parse_args(argv))
    verbose = bool(args.pop("verbose", False)) or bool(args.pop("debug", False))
    config = args.pop("config", None)
    if "gpu" in args:
        args["device"] = f"cuda:{args.pop('gpu')}"
    extra = {}
    for item in args.pop("overrides", None) or []:
        if "=" not in item:
            raise ConfigError(f"--set expects KEY=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        extra[k.strip()] = yaml.safe_load(v)
    return build_config(*config_layers(args, config, extra)), verbose


__all__ = ["QUICKSTART", "config_from_args", "make_parser"]
