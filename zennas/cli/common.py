"""Argument helpers shared by every CLI: which network(s) to work on, plug-ins, and logging set-up.

``--arch NAME`` (a zoo name; the original scripts' ``--arch Masternet.py:MasterNet`` / ``PlainNet`` just
names the network class of ``--plainnet_struct[_txt]``), ``--plainnet_struct STR`` or
``--plainnet_struct_txt FILE`` (one structure per line), plus ``--input_image_size``, ``--num_classes``
(bounded integers), the build flags, ``--rechain`` and ``--plugins``.  Bad usage raises
:class:`~zennas.cli.errors.UsageError` (one line, exit 2).
"""

from __future__ import annotations

import argparse
import logging
import sys

from zennas.block import MAX_ARG
from zennas.cli.errors import UsageError, bounded_int
from zennas.costs import MAX_RESOLUTION
from zennas.netspec import NetSpec, resolve_nets


def add_model_args(p: argparse.ArgumentParser, *, default_resolution: int | None = None,
                   default_classes: int | None = None) -> None:
    g = p.add_argument_group("network")
    g.add_argument("--arch", default=None, help="zoo network name (see `python -m zennas.cli.zoo`); "
                   "Masternet.py:MasterNet (the original scripts' form) with --plainnet_struct[_txt]")
    g.add_argument("--plainnet_struct", default=None, help="structure string")
    g.add_argument("--plainnet_struct_txt", default=None, help="file with one structure string per line")
    g.add_argument("--input_image_size", type=bounded_int(1, MAX_RESOLUTION), default=default_resolution,
                   help=f"input resolution, 1..{MAX_RESOLUTION} (default: the zoo entry's, else 224)")
    g.add_argument("--num_classes", type=bounded_int(1, MAX_ARG), default=default_classes,
                   help="classes of the FC head (default: the zoo entry's, else 1000)")
    g.add_argument("--use_se", action="store_true", help="insert SE in every super-block unit")
    g.add_argument("--no_BN", action="store_true", help="omit BN in super blocks")
    g.add_argument("--no_reslink", action="store_true", help="remove residual links (Zen-score network)")
    g.add_argument("--rechain", action="store_true", help="repair channel chaining: each block reads the "
                   "previous block's output (published strings whose blocks disagree)")
    g.add_argument("--plugins", nargs="+", default=[], help="plug-in files or folders (blocks, spaces, proxies)")


def nets_from_args(args: argparse.Namespace) -> list[NetSpec]:
    """Resolve the network arguments into :class:`NetSpec` records (:func:`zennas.netspec.resolve_nets`);
    loads ``--plugins`` first."""
    load_plugin_args(args)
    return resolve_nets(arch=args.arch, plainnet_struct=args.plainnet_struct, plainnet_struct_txt=args.plainnet_struct_txt,
                        input_image_size=args.input_image_size, num_classes=args.num_classes, use_se=args.use_se,
                        no_BN=args.no_BN, no_reslink=args.no_reslink, rechain=getattr(args, "rechain", False))


def load_plugin_args(args: argparse.Namespace) -> None:
    """Load ``args.plugins`` (and ``ZENNAS_PLUGINS``); a bad plug-in is a one-line usage error."""
    from zennas.plugins import PluginError, load_plugins

    try:
        load_plugins(getattr(args, "plugins", None) or [])
    except PluginError as exc:
        raise UsageError(str(exc)) from None


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
