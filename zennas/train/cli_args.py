"""Command-line parser generated from the config dataclasses (one argparse group per dataclass).

Every field becomes ``--<name>`` (plus its ``flags`` aliases); booleans are switches, a field's
``negate`` flag stores False.  Nothing has an argparse default, so only options actually given
override the YAML preset.  ``--set KEY=VALUE`` (YAML value syntax) overrides anything.
"""

from __future__ import annotations

import argparse
from dataclasses import MISSING, fields

from zennas.train.config import (
    ConfigError,
    TrainConfig,
    build_config,
    field_type,
    group_classes,
    load_yaml,
)

S = argparse.SUPPRESS


def _help(f, typ) -> str:
    if f.metadata.get("ignored"):
        return f"accepted for compatibility, ignored ({f.metadata['ignored']})"
    text = f.metadata.get("help", "")
    choices = f.metadata.get("choices")
    if choices and "," not in text:
        text += f" ({', '.join(choices)})"
    if typ is not bool and f.default is not MISSING and f.default is not None:
        text += f" [default {f.default}]"
    return text.replace("%", "%%")


def make_parser(prog: str, description: str, *, distill: bool = False) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=description, argument_default=S, allow_abbrev=False)
    g = p.add_argument_group("configuration")
    g.add_argument("--config", help="YAML preset (keys = option names); flags override it")
    g.add_argument("--set", dest="overrides", action="append", metavar="KEY=VALUE",
                   help="override any option (YAML value syntax), repeatable")
    g.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    for cls in group_classes(distill):
        grp = p.add_argument_group(cls.TITLE)
        for f in fields(cls):
            typ = field_type(cls, f.name)
            flags = f.metadata.get("flags") or (f"--{f.name}",)
            if typ is bool:
                grp.add_argument(*flags, dest=f.name, action="store_const", const=True, help=_help(f, typ))
                if f.metadata.get("negate"):
                    grp.add_argument(f.metadata["negate"], dest=f.name, action="store_const", const=False,
                                     help=f"turn --{f.name} off")
            else:
                grp.add_argument(*flags, dest=f.name, metavar=typ.__name__.upper(), help=_help(f, typ))
    return p


def config_from_args(argv: list[str] | None, *, prog: str, description: str,
                     distill: bool = False) -> tuple[TrainConfig, bool]:
    """Parse argv into a validated :class:`TrainConfig`; returns ``(config, debug)``."""
    import yaml

    args = vars(make_parser(prog, description, distill=distill).parse_args(argv))
    debug = bool(args.pop("debug", False))
    config_path = args.pop("config", None)
    overrides = args.pop("overrides", None) or []
    layers = []
    if config_path is not None:
        layers.append((config_path, load_yaml(config_path)))
    layers.append(("the command line", args))
    extra = {}
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"--set expects KEY=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        extra[k.strip()] = yaml.safe_load(v)
    layers.append(("--set", extra))
    return build_config(*layers, distill=distill), debug
