"""The block registry, the structure dialects and the legacy ``_all_netblocks_dict_`` interface.

* :data:`BLOCKS` - every token of the ZEN dialect (case-sensitive), filled by the family modules of
  this package at import and, before the first lookup, by user plug-ins (:mod:`zennas.plugins`:
  the checkout's ``PlainNet/`` folder and ``ZENNAS_PLUGINS``).
* :data:`DIALECTS` - structure dialects by name; a dialect is a block registry.  ``zen`` (this
  registry) is the default; a family with its own argument conventions registers itself
  (``zennas.blocks.genet``: ``register_dialect("genet", GENET_BLOCKS)``).  The parser knows none by name.
* :data:`NETBLOCKS_DICT` - the original's ``_all_netblocks_dict_``: a dict view whose writes register
  into :data:`BLOCKS`; a plug-in module that defines ``register_netblocks_dict(netblocks_dict)`` is
  called with it once, when it is imported.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import MutableMapping
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

from zennas import plugins
from zennas.block import Block
from zennas.registry import Registry, RegistryError

BLOCKS: Registry[type[Block]] = Registry("block")
DIALECTS: Registry[Registry] = Registry("structure dialect", case_sensitive=False)
DEFAULT_DIALECT = "zen"


def register_dialect(name: str, registry: Registry) -> Registry:
    """Make ``registry`` parseable as ``parse(text, dialect=name)``."""
    DIALECTS.register(name, registry, module=sys._getframe(1).f_globals.get("__name__", "?"))
    return registry


register_dialect(DEFAULT_DIALECT, BLOCKS)


def _caller() -> tuple[str, str]:
    f = sys._getframe(2)
    return f"{f.f_code.co_filename}:{f.f_lineno}", f.f_globals.get("__name__", "?")


def register_block(cls: type[Block] | None = None, *, name: str | None = None, replace: bool = False,
                   **class_attrs: Any):
    """Register a block class under ``name`` (default: its ``NAME`` or class name).

    With ``class_attrs`` a subclass carrying those class attributes is created and registered,
    which is how one implementation serves a family (``register_block(ConvKX, name="ConvKXG2",
    GROUPS=2)``).  Usable as a bare decorator, a decorator with arguments, or a call.
    """
    where, module = _caller()

    def _do(c: type[Block]) -> type[Block]:
        n = name or c.__dict__.get("NAME") or c.__name__
        if not issubclass(c, Block):
            raise TypeError(f"{c!r} is not a zennas.block.Block subclass")
        target = c
        if class_attrs or c.__dict__.get("NAME") != n:
            target = type(n, (c,), {"NAME": n, "__module__": module, **class_attrs})
            mod = sys.modules.get(module)
            if mod is not None and not hasattr(mod, n):  # attribute access: res_k1kxk1.SuperResK1K3K1
                setattr(mod, n, target)
        BLOCKS.register(n, target, replace=replace, where=where, module=module)
        return target if class_attrs else c

    if cls is not None:
        return _do(cls)
    return _do


class LegacyBlockDict(MutableMapping):
    """``_all_netblocks_dict_``: the original dict interface over :data:`BLOCKS`."""

    def __getitem__(self, k: str) -> type[Block]:
        try:
            return BLOCKS.get(k)
        except RegistryError as e:
            raise KeyError(k) from e

    def __setitem__(self, k: str, v: type[Block]) -> None:
        if not (isinstance(v, type) and issubclass(v, Block)):
            raise TypeError(f"legacy registration of {k!r}: {v!r} is not a zennas.block.Block subclass")
        module = v.__module__
        if v.__dict__.get("NAME") != k:
            v = type(k, (v,), {"NAME": k, "__module__": module})
        BLOCKS.register(k, v, module=module)

    def __delitem__(self, k: str) -> None:
        BLOCKS.unregister(k)

    def __iter__(self) -> Iterator[str]:
        return iter(BLOCKS.names())

    def __len__(self) -> int:
        return len(BLOCKS)


NETBLOCKS_DICT = LegacyBlockDict()


def call_register_netblocks_dict(mod: ModuleType) -> None:
    """Run a legacy module's ``register_netblocks_dict(NETBLOCKS_DICT)`` (once per module)."""
    legacy = getattr(mod, "register_netblocks_dict", None)
    if callable(legacy) and not getattr(mod, "_legacy_registered", False):
        legacy(NETBLOCKS_DICT)
        mod._legacy_registered = True  # type: ignore[attr-defined]


plugins.add_module_hook(call_register_netblocks_dict)


def load_module(path_or_name: str) -> list[str]:
    """Import a block module given as a dotted name (``zennas.blocks.gs_super``), a file path, or a
    drop-in path (``PlainNet/AABC_Block.py``); return the block names it registered, in order.

    A thin module that re-exports a family names it in ``BLOCK_MODULE`` (the legacy ``PlainNet/*.py``
    files do); its names are then those of that module.  Used by the adlik space (``--search_space_list``).
    """
    if Path(path_or_name).suffix == ".py":
        mod = plugins.import_file(path_or_name)
    else:
        mod = importlib.import_module(path_or_name)
        plugins.run_hooks(mod)
    names = BLOCKS.by_module(mod.__name__) or BLOCKS.by_module(getattr(mod, "BLOCK_MODULE", ""))
    if not names:
        raise RegistryError(f"block module {path_or_name!r} registers no blocks")
    return names


def describe_blocks(registry: Registry | None = None) -> list[dict[str, Any]]:
    """One row per registered token: name, argument list, defining module, whether it is a super block."""
    kinds = {"res": "[in,][stride,]blocks...", "multi": "branch;branch...", "seq": "blocks..."}
    reg = registry or BLOCKS
    return [{"name": name, "args": ",".join(a.name for a in cls.ARGS) if cls.KIND == "leaf" else kinds[cls.KIND],
             "module": reg.module_of(name), "super": cls.IS_SUPER} for name, cls in reg.items()]


__all__ = ["BLOCKS", "describe_blocks", "DEFAULT_DIALECT", "DIALECTS", "LegacyBlockDict", "NETBLOCKS_DICT", "call_register_netblocks_dict",
           "load_module", "register_block", "register_dialect"]
