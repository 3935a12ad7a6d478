"""PlainNet: the block registry.  Every module in this folder is imported automatically.

Add a block by dropping ONE file here::

    # PlainNet/my_block.py
    from PlainNet import register_block
    from zennas.block import Arg, Block, Cost

    @register_block
    class ConvK3Twice(Block):
        ARGS = (Arg("in"), Arg("out"), Arg("s"))
        ...

Old-style block files that define ``register_netblocks_dict(netblocks_dict)`` and call
``netblocks_dict.update({...})`` keep working: the function is called with
:data:`_all_netblocks_dict_`, a dict view whose writes register into :data:`BLOCKS`.
"""

from __future__ import annotations

import sys
from collections.abc import MutableMapping
from typing import Any, Iterator

from zennas.block import Block
from zennas.registry import Registry, RegistryError, discover

BLOCKS: Registry[type[Block]] = Registry("block")


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
            if mod is not None and not hasattr(mod, n):  # legacy access: SuperResK1KXK1.SuperResK1K3K1
                setattr(mod, n, target)
        BLOCKS.register(n, target, replace=replace, where=where, module=module)
        return target if class_attrs else c

    if cls is not None:
        return _do(cls)
    return _do


class _LegacyDict(MutableMapping):
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


_all_netblocks_dict_ = _LegacyDict()


def _load_plugins() -> None:
    for modname in discover(__name__):
        mod = sys.modules[modname]
        legacy = getattr(mod, "register_netblocks_dict", None)
        if callable(legacy) and not getattr(mod, "_legacy_registered", False):
            legacy(_all_netblocks_dict_)
            mod._legacy_registered = True  # type: ignore[attr-defined]


def load_module(path_or_name: str) -> list[str]:
    """Import a block module given as ``PlainNet/x.py``, a file path, or a dotted name; return the
    block names it registered (used by ``--search_space_list``)."""
    import importlib
    import importlib.util
    from pathlib import Path

    p = Path(path_or_name)
    if p.suffix == ".py":
        if p.parent.name == "PlainNet" or (not p.exists() and len(p.parts) == 2 and p.parts[0] == "PlainNet"):
            modname = f"PlainNet.{p.stem}"
            importlib.import_module(modname)
        else:
            if not p.exists():
                raise FileNotFoundError(f"block module {path_or_name!r} not found")
            modname = f"zennas_user_blocks.{p.stem}"
            if modname not in sys.modules:
                spec = importlib.util.spec_from_file_location(modname, p)
                assert spec and spec.loader
                mod = importlib.util.module_from_spec(spec)
                sys.modules[modname] = mod
                spec.loader.exec_module(mod)
                legacy = getattr(mod, "register_netblocks_dict", None)
                if callable(legacy):
                    legacy(_all_netblocks_dict_)
    else:
        modname = path_or_name
        importlib.import_module(modname)
    names = BLOCKS.by_module(modname)
    if not names:
        raise RegistryError(f"block module {path_or_name!r} registers no blocks")
    return names


_load_plugins()

__all__ = ["BLOCKS", "Block", "RegistryError", "_all_netblocks_dict_", "load_module", "register_block"]
