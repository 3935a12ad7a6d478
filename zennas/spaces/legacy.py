"""Loading a search space from a user's ``.py`` file, and the adapter for LEGACY ZEN space files.

A user file may (a) register spaces with ``@register_space`` (``from zennas.spaces import
register_space, SearchSpace``; legacy spelling ``from SearchSpace import ...``), (b) define a
:class:`SearchSpace` subclass, or (c) be a legacy ZEN file defining only
``gen_search_space(block_list, block_id)`` that returns a list of lists of block strings.  Case (c) is
wrapped in :class:`LegacySpace`: the legacy function receives block objects that also answer the
original attribute names (``sub_layers``, ``bottleneck_channels``, ``set_in_channels``) and still pass
``isinstance`` checks against the block classes.  Files are imported by :func:`zennas.plugins.import_file`
(a file of the checkout's ``SearchSpace/`` folder as that package's module).
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import sys
import types
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from zennas import plugins
from zennas.block import Block, smart_round
from zennas.spaces.base import SPACES, SearchSpace, SearchSpaceError

logger = logging.getLogger(__name__)

_COMPAT_CLASSES: dict[type, type] = {}


def _compat_class(cls: type[Block]) -> type[Block]:
    """A subclass of ``cls`` with the same ``__name__`` that adds ZEN's attribute names."""
    if cls not in _COMPAT_CLASSES:

        def _get(name: str) -> Callable[[Block], Any]:
            return lambda self: self.arg(name)

        attrs: dict[str, Any] = {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
        names = [a.name for a in cls.ARGS]
        if "L" in names:
            attrs["sub_layers"] = property(_get("L"))
        if "B" in names:
            attrs["bottleneck_channels"] = property(_get("B"))
        _COMPAT_CLASSES[cls] = type(cls.__name__, (cls,), attrs)
    return _COMPAT_CLASSES[cls]


def _legacy_view(b: Block) -> Block:
    if b.KIND != "leaf":
        return b
    try:
        return _compat_class(type(b))(*b.args)
    except Exception:  # noqa: BLE001 - fall back to the plain block
        return b


class LegacySpace(SearchSpace):
    """Adapter for a ZEN ``gen_search_space(block_list, block_id)`` function.

    Mutation flattens the returned lists (each list sorted, so ``set`` order in the user's code cannot
    make runs differ) and draws one string uniformly; an empty string deletes the block.  Any
    registered block type is legal; widths only need to be >= 1.  No random initial structures.
    """

    name = "legacy"

    def __init__(
        self, func: Callable[[list[Any], int], Sequence[Sequence[str]]], *, source: str = "?", **options: Any
    ) -> None:
        options.setdefault("width_base", 1)
        options.setdefault("min_width", 1)
        super().__init__(**options)
        self.func = func
        self.source = source
        self.name = f"legacy:{Path(source).name}"

    def options(self) -> dict[str, Any]:
        return {**super().options(), "source": self.source}

    def candidates(self, blocks: Sequence[Block], idx: int) -> list[list[str]]:
        view = [_legacy_view(b) for b in blocks]
        try:
            got = self.func(view, idx)
        except Exception as exc:
            raise SearchSpaceError(
                f"legacy search space {self.source}: gen_search_space(block_list, {idx}) "
                f"failed on block {blocks[idx]}: {type(exc).__name__}: {exc}"
            ) from exc
        if isinstance(got, (str, bytes)) or not all(isinstance(lst, (list, tuple)) for lst in got):
            raise SearchSpaceError(
                f"legacy search space {self.source}: gen_search_space must return a list of "
                f"lists of block strings, got {type(got).__name__}"
            )
        return [[str(s) for s in lst] for lst in got]

    def random_structure(self, rng: np.random.Generator, *, resolution: int = 224) -> list[Block]:
        raise NotImplementedError(
            f"legacy search space {self.source} cannot generate random structures "
            f"(it only defines gen_search_space)"
        )


def _global_utils_shim() -> types.ModuleType:
    mod = types.ModuleType("global_utils")
    mod.smart_round = smart_round  # type: ignore[attr-defined]
    mod.__doc__ = "zennas shim: the parts of ZEN's global_utils that legacy search-space files use"
    return mod


def install_global_utils_shim() -> None:
    """Make ``import global_utils`` work for legacy ZEN space files when no such module exists."""
    if "global_utils" not in sys.modules and importlib.util.find_spec("global_utils") is None:
        sys.modules["global_utils"] = _global_utils_shim()


def load_space_file(path: str | Path, **options: Any) -> SearchSpace:
    """Load a user's search-space file and return a configured space (see module docstring)."""
    install_global_utils_shim()
    try:
        mod = plugins.import_file(path)
    except plugins.PluginError as exc:
        raise SearchSpaceError(str(exc).replace("plug-in file", "search space file", 1)) from exc
    where = getattr(mod, "__file__", str(path))
    # (a)/(b): spaces the module registered or defines
    registered = [SPACES.get(n) for n in SPACES.by_module(mod.__name__)]
    defined = [obj for obj in vars(mod).values()
               if isinstance(obj, type) and issubclass(obj, SearchSpace) and obj.__module__ == mod.__name__ and obj.name]
    classes: list[type[SearchSpace]] = []
    for cls in [*registered, *defined]:
        if cls not in classes:
            classes.append(cls)
    if len(classes) > 1:
        raise SearchSpaceError(
            f"search space file {where} defines several spaces "
            f"({', '.join(c.name for c in classes)}); register them and select one by name"
        )
    if classes:
        logger.info("search space %s loaded from %s", classes[0].name, where)
        return _instantiate(classes[0], options, where=str(where))
    func = getattr(mod, "gen_search_space", None)
    if callable(func):
        logger.info("legacy search space (gen_search_space) loaded from %s", where)
        return LegacySpace(func, source=str(where), **options)
    raise SearchSpaceError(
        f"search space file {where} defines no search space: expected a SearchSpace subclass "
        f"(optionally @register_space) or a legacy gen_search_space(block_list, block_id)"
    )


def _instantiate(cls: type[SearchSpace], options: dict[str, Any], *, where: str) -> SearchSpace:
    try:
        space = cls(**options)
    except TypeError as exc:
        params = [
            n
            for n, prm in inspect.signature(cls.__init__).parameters.items()
            if n != "self" and prm.kind in (prm.KEYWORD_ONLY, prm.POSITIONAL_OR_KEYWORD)
        ]
        for klass in cls.__mro__:
            if klass is SearchSpace:
                params += [n for n in inspect.signature(SearchSpace.__init__).parameters if n != "self"]
        raise SearchSpaceError(
            f"search space {cls.name!r} ({where}): bad options {sorted(options)}: {exc}; "
            f"accepted: {sorted(set(params))}"
        ) from exc
    check = getattr(space, "check_definition", None)
    if check is not None:  # e.g. a block name in a space's lists that no block registers: said now, not mid-search
        try:
            check()
        except (ValueError, KeyError) as exc:
            msg = str(exc).strip("'\"")
            raise SearchSpaceError(f"search space {cls.name!r} ({where}): {msg}") from None
    return space
