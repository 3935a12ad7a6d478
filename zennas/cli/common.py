"""Argument helpers shared by every CLI: which network(s) to work on, plug-ins, and logging set-up.

``--arch NAME`` (a zoo name), ``--plainnet_struct STR`` or ``--plainnet_struct_txt FILE`` (one
structure per line), plus ``--input_image_size``, ``--num_classes``, the build flags and ``--plugins``.
"""

from __future__ import annotations

import argparse
import logging
import sys

from zennas.netspec import NetSpec
from zennas.structure import read_structures


def add_model_args(p: argparse.ArgumentParser, *, default_resolution: int | None = None,
                   default_classes: int | None = None) -> None:
    g = p.add_argument_group("network")
    g.add_argument("--arch", default=None, help="zoo network name (see `python -m zennas.cli.zoo`)")
    g.add_argument("--plainnet_struct", default=None, help="structure string")
    g.add_argument("--plainnet_struct_txt", default=None, help="file with one structure string per line")
    g.add_argument("--input_image_size", type=int, default=default_resolution,
                   help="input resolution (default: the zoo entry's, else 224)")
    g.add_argument("--num_classes", type=int, default=default_classes,
                   help="classes of the FC head (default: the zoo entry's, else 1000)")
    g.add_argument("--use_se", action="store_true", help="insert SE in every super-block unit")
    g.add_argument("--no_BN", action="store_true", help="omit BN in super blocks")
    g.add_argument("--no_reslink", action="store_true", help="remove residual links (Zen-score network)")
    g.add_argument("--plugins", nargs="+", default=[], help="plug-in files or folders (blocks, spaces, proxies)")


def nets_from_args(args: argparse.Namespace) -> list[NetSpec]:
    """Resolve the network arguments into :class:`NetSpec` records (exactly one source required);
    loads ``--plugins`` first."""
    load_plugin_args(args)
    given = [x for x in ("arch", "plainnet_struct", "plainnet_struct_txt") if getattr(args, x, None)]
    if len(given) != 1:
        raise SystemExit("error: give exactly one of --arch, --plainnet_struct, --plainnet_struct_txt")
    flags = dict(use_se=args.use_se, no_BN=args.no_BN, no_reslink=args.no_reslink)
    if args.arch:
        from zennas.registry import RegistryError
        from zennas.zoo import get_zoo_entry

        try:
            e = get_zoo_entry(args.arch)
        except RegistryError as exc:
            raise SystemExit(f"error: {exc}") from None
        flags["use_se"] = flags["use_se"] or e.use_se
        return [NetSpec(e.name, e.structure, args.input_image_size or e.resolution,
                        args.num_classes or e.num_classes, dialect=e.dialect, zoo_name=e.name, **flags)]
    res = args.input_image_size or 224
    nc = args.num_classes or 1000
    if args.plainnet_struct:
        return [NetSpec("structure", args.plainnet_struct.strip(), res, nc, **flags)]
    try:
        lines = read_structures(args.plainnet_struct_txt)
    except FileNotFoundError:
        raise SystemExit(f"error: structure file {args.plainnet_struct_txt!r} not found") from None
    if not lines:
        raise SystemExit(f"error: structure file {args.plainnet_struct_txt!r} holds no structure")
    return [NetSpec(f"line{i + 1}", s, res, nc, **flags) for i, s in enumerate(lines)]


def load_plugin_args(args: argparse.Namespace) -> None:
    """Load ``args.plugins`` (and ``ZENNAS_PLUGINS``); a bad plug-in exits with one line."""
    from zennas.plugins import PluginError, load_plugins

    try:
        load_plugins(getattr(args, "plugins", None) or [])
    except PluginError as exc:
        raise SystemExit(f"error: {exc}") from None


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
