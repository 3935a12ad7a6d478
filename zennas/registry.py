"""One small registry class used for every pluggable concern (blocks, search spaces, proxies).

A registry maps a name to an object (usually a class) and remembers *where* each entry was
registered, so a duplicate name raises an error naming both locations.  ``discover(package)``
imports every module of a package directory: the built-in families of ``zennas.blocks``,
``zennas.spaces`` and ``zennas.proxies`` register themselves this way.  A registry may carry a
*loader* (:meth:`Registry.set_loader`), run once before the first lookup: that is how user plug-ins
(:mod:`zennas.plugins`) join a registry without the package importing them.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import logging
import pkgutil
from typing import Any, Callable, Generic, Iterator, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


class RegistryError(KeyError):
    """Unknown or duplicate registry entry.  ``str()`` gives the full, actionable message."""

    def __str__(self) -> str:  # KeyError quotes its message; we want plain text
        return str(self.args[0]) if self.args else ""


def _where(obj: Any) -> str:
    try:
        file = inspect.getsourcefile(obj) or "?"
        line = inspect.getsourcelines(obj)[1]
        return f"{file}:{line}"
    except (TypeError, OSError):
        return getattr(obj, "__module__", "?")


class Registry(Generic[T]):
    """Name -> entry mapping with source locations, close-match suggestions and discovery."""

    def __init__(self, kind: str, case_sensitive: bool = True) -> None:
        self.kind = kind
        self.case_sensitive = case_sensitive
        self._entries: dict[str, T] = {}
        self._where: dict[str, str] = {}
        self._display: dict[str, str] = {}
        self._module: dict[str, str] = {}
        self._loader: Callable[[], None] | None = None

    def set_loader(self, loader: Callable[[], None] | None) -> None:
        """Run ``loader`` once, before the next lookup (registration never triggers it)."""
        self._loader = loader

    def _load(self) -> None:
        loader, self._loader = self._loader, None  # cleared first: lookups made by plug-ins do not recurse
        if loader is not None:
            loader()

    def _key(self, name: str) -> str:
        return name if self.case_sensitive else name.lower()

    def register(self, name: str | None = None, obj: T | None = None, *, replace: bool = False,
                 where: str | None = None, module: str | None = None):
        """Register ``obj`` under ``name``; usable as ``@registry.register("Name")`` or directly.

        ``where`` (file:line) and ``module`` default to the object's own definition site.
        """

        def _do(o: T) -> T:
            n = name or getattr(o, "__name__")
            k = self._key(n)
            loc = where or _where(o)
            if k in self._entries and not replace and self._entries[k] is not o:
                raise RegistryError(
                    f"duplicate {self.kind} name {n!r}: already registered at {self._where[k]}, "
                    f"registered again at {loc}"
                )
            self._entries[k] = o
            self._where[k] = loc
            self._display[k] = n
            self._module[k] = module or getattr(o, "__module__", "?")
            return o

        if obj is not None:
            return _do(obj)
        return _do

    def unregister(self, name: str) -> None:
        k = self._key(name)
        self._entries.pop(k, None)
        self._where.pop(k, None)
        self._display.pop(k, None)
        self._module.pop(k, None)

    def by_module(self, module: str) -> list[str]:
        """Names registered by one module (dotted name), in registration order."""
        if self._loader is not None:
            self._load()
        return [self._display[k] for k, m in self._module.items() if m == module]

    def module_of(self, name: str) -> str:
        if self._loader is not None:
            self._load()
        return self._module[self._key(name)]

    def suggestions(self, name: str, n: int = 3) -> list[str]:
        if self._loader is not None:
            self._load()
        keys = list(self._display.values())
        close = difflib.get_close_matches(name, keys, n=n, cutoff=0.5)
        if not self.case_sensitive or not close:
            low = {k.lower(): k for k in keys}
            close += [low[m] for m in difflib.get_close_matches(name.lower(), list(low), n=n, cutoff=0.5)]
        out: list[str] = []
        for c in close:
            if c not in out:
                out.append(c)
        return out[:n]

    def get(self, name: str) -> T:
        if self._loader is not None:
            self._load()
        k = self._key(name)
        if k not in self._entries:
            sugg = self.suggestions(name)
            hint = f"; did you mean {', '.join(repr(s) for s in sugg)}?" if sugg else ""
            raise RegistryError(f"unknown {self.kind} {name!r}{hint} (known: {len(self._entries)} names)")
        return self._entries[k]

    def where(self, name: str) -> str:
        if self._loader is not None:
            self._load()
        return self._where[self._key(name)]

    def __contains__(self, name: object) -> bool:
        if self._loader is not None:
            self._load()
        return isinstance(name, str) and self._key(name) in self._entries

    def __getitem__(self, name: str) -> T:
        return self.get(name)

    def __iter__(self) -> Iterator[str]:
        if self._loader is not None:
            self._load()
        return iter(list(self._display.values()))

    def __len__(self) -> int:
        if self._loader is not None:
            self._load()
        return len(self._entries)

    def names(self) -> list[str]:
        if self._loader is not None:
            self._load()
        return list(self._display.values())

    def items(self) -> list[tuple[str, T]]:
        if self._loader is not None:
            self._load()
        return [(self._display[k], v) for k, v in self._entries.items()]


def discover(package: str, *, skip_private: bool = True, on_error: Callable[[str, Exception], None] | None = None
             ) -> list[str]:
    """Import every module in ``package`` (a dotted name); return the imported module names.

    Import errors are re-raised with the module name unless ``on_error`` handles them: a broken
    plug-in file must never be silently ignored.
    """
    pkg = importlib.import_module(package)
    imported = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if skip_private and info.name.startswith("_"):
            continue
        full = f"{package}.{info.name}"
        try:
            importlib.import_module(full)
        except Exception as exc:  # noqa: BLE001 - re-raised with context
            if on_error is not None:
                on_error(full, exc)
                continue
            raise ImportError(f"failed to import plug-in module {full}: {exc}") from exc
        imported.append(full)
    return imported
