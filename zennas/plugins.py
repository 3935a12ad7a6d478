"""User plug-ins: block, search-space and proxy files that live outside the package.

The built-in families register themselves when ``zennas.blocks`` / ``zennas.spaces`` /
``zennas.proxies`` are imported.  Everything else is loaded once, before the first lookup in the
registry that needs it (:meth:`zennas.registry.Registry.set_loader`), from:

1. the drop-in folder of a repository checkout - ``PlainNet/`` for blocks, ``SearchSpace/`` for
   spaces, ``ZeroShotProxy/`` for proxies - when that package is importable (or sits next to this
   package) and is zennas' own (its ``__init__.py`` sets ``ZENNAS_LEGACY_PACKAGE = True``; the
   original Zen-NAS folders of the same names are never imported).  Importing it imports every file
   in it;
2. the paths in the environment variable ``ZENNAS_PLUGINS`` (separated by ``os.pathsep``);
3. paths given to :func:`load_plugins` (the CLIs' ``--plugins``, the search config key ``plugins``).

A path is a ``.py`` file (imported as a stand-alone module), a folder (each of its ``.py`` files not
starting with ``_``, in name order), or a folder *named like a drop-in folder* (``.../PlainNet``,
``.../SearchSpace``, ``.../ZeroShotProxy``): its files are imported as if they had been dropped into
that folder (as submodules of that package, so ``from ._common import ...`` works).  A file that
fails to import raises :class:`PluginError` naming it - a broken plug-in is never skipped silently.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterable

logger = logging.getLogger(__name__)

ENV_VAR = "ZENNAS_PLUGINS"
#: the drop-in folders of a checkout, by the registry they feed
LEGACY_PACKAGES = ("PlainNet", "SearchSpace", "ZeroShotProxy")
_MARKER = "ZENNAS_LEGACY_PACKAGE = True"

_hooks: list[Callable[[ModuleType], None]] = []
_seen: dict[Path, list[str]] = {}  # resolved plug-in path -> module names it produced
_env_done: set[str] = set()


class PluginError(ImportError):
    """A plug-in path is missing or a plug-in file failed to import (the message names the file; bad usage:
    exit status 2)."""

    exit_code = 2


def add_module_hook(hook: Callable[[ModuleType], None]) -> None:
    """Call ``hook(module)`` on every plug-in module imported from now on (and by the drop-in folders),
    e.g. the adapter that runs a legacy ``register_netblocks_dict``."""
    if hook not in _hooks:
        _hooks.append(hook)


def run_hooks(mod: ModuleType) -> None:
    """Run the module hooks once per module."""
    if getattr(mod, "__zennas_hooks_done__", False):
        return
    mod.__zennas_hooks_done__ = True  # type: ignore[attr-defined]
    for hook in _hooks:
        hook(mod)


# ------------------------------------------------------------------------------------ drop-in folders
def checkout_root() -> Path | None:
    """The repository checkout this package was imported from (None for an installed wheel)."""
    root = Path(__file__).resolve().parents[1]
    try:
        text = (root / "pyproject.toml").read_text()
    except OSError:
        return None
    return root if 'name = "zennas"' in text else None


def _is_ours(init: Path | None) -> bool:
    try:
        return init is not None and _MARKER in init.read_text(errors="replace")
    except OSError:
        return False


def legacy_package(name: str) -> ModuleType | None:
    """Import the drop-in package ``name`` (one of :data:`LEGACY_PACKAGES`) if it is zennas' own:
    the one ``import name`` finds, else the checkout's; None when there is none (installed wheel)."""
    mod = sys.modules.get(name)
    if mod is not None:
        return mod if getattr(mod, "ZENNAS_LEGACY_PACKAGE", False) else None
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is not None:  # what `import name` gives; another project's folder of that name is left alone
        if spec.origin and _is_ours(Path(spec.origin)):
            return importlib.import_module(name)
        logger.debug("%s on sys.path (%s) is not a zennas drop-in folder: not loaded", name, spec.origin)
        return None
    root = checkout_root()
    init = root / name / "__init__.py" if root is not None else None
    if not _is_ours(init):
        return None
    spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(init.parent)])
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return mod


def _package_dirs(pkg: ModuleType) -> list[Path]:
    return [Path(p).resolve() for p in getattr(pkg, "__path__", ())]


def _owner(path: Path) -> str | None:
    """``pkg.stem`` when ``path`` names a file of a drop-in folder (existing, or written relative as
    ``PlainNet/x.py`` from anywhere)."""
    if path.parent.name not in LEGACY_PACKAGES:
        return None
    pkg = legacy_package(path.parent.name)
    if pkg is None:
        return None
    dirs = _package_dirs(pkg)
    if path.exists():
        ok = path.resolve().parent in dirs
    else:
        ok = len(path.parts) == 2 and any((d / path.name).is_file() for d in dirs)
    return f"{pkg.__name__}.{path.stem}" if ok else None


# ------------------------------------------------------------------------------------ loading
def _import(modname: str, where: str) -> ModuleType:
    try:
        mod = importlib.import_module(modname)
    except PluginError:
        raise
    except Exception as exc:  # noqa: BLE001 - re-raised naming the file
        raise PluginError(f"plug-in {where} failed to load: {type(exc).__name__}: {exc}") from exc
    run_hooks(mod)
    return mod


def import_file(path: str | Path) -> ModuleType:
    """Import one ``.py`` plug-in file (idempotent); a file of a drop-in folder is imported as that
    package's submodule, any other as the stand-alone module ``zennas_plugin_<stem>_<hash>``."""
    p = Path(path).expanduser()
    owner = _owner(p)
    if owner is not None:
        return _import(owner, str(p))
    if not p.is_file():
        raise PluginError(f"plug-in file {str(path)!r} not found")
    rp = p.resolve()
    modname = f"zennas_plugin_{rp.stem}_{hashlib.sha1(str(rp).encode()).hexdigest()[:10]}"
    mod = sys.modules.get(modname)
    if mod is not None:
        return mod
    spec = importlib.util.spec_from_file_location(modname, rp)
    if spec is None or spec.loader is None:
        raise PluginError(f"plug-in file {rp}: cannot be imported as a Python module")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[modname] = mod
    try:
        spec.loader.exec_module(mod)
    except Exception as exc:  # noqa: BLE001 - re-raised naming the file
        sys.modules.pop(modname, None)
        raise PluginError(f"plug-in file {rp} failed to load: {type(exc).__name__}: {exc}") from exc
    logger.debug("plug-in %s loaded from %s", modname, rp)
    run_hooks(mod)
    return mod


def _extend_drop_in_folder(folder: Path, pkg: ModuleType) -> list[str]:
    """Import the files of ``folder`` as if they were in the drop-in package ``pkg``."""
    if folder not in _package_dirs(pkg):
        pkg.__path__.append(str(folder))
    names = []
    for f in sorted(folder.glob("*.py")):
        if not f.name.startswith("_"):
            names.append(_import(f"{pkg.__name__}.{f.stem}", str(f)).__name__)
    return names


def load_path(path: str | Path) -> list[str]:
    """Load one plug-in path (file or folder, see the module docstring); return the module names."""
    p = Path(path).expanduser()
    if not p.exists():
        raise PluginError(f"plug-in path {str(path)!r} not found")
    rp = p.resolve()
    if rp in _seen:
        return _seen[rp]
    _seen[rp] = []  # marked first: a plug-in that triggers plug-in loading does not recurse
    if rp.is_dir():
        pkg = legacy_package(rp.name) if rp.name in LEGACY_PACKAGES else None
        if pkg is not None:
            names = _extend_drop_in_folder(rp, pkg)
        else:
            names = [import_file(f).__name__ for f in sorted(rp.glob("*.py")) if not f.name.startswith("_")]
    else:
        names = [import_file(rp).__name__]
    _seen[rp] = names
    return names


def load_plugins(paths: Iterable[str | Path] = ()) -> list[str]:
    """Load the ``ZENNAS_PLUGINS`` paths (once) and then ``paths``; return the new module names."""
    names = load_env()
    for p in paths:
        names += load_path(p)
    return names


def load_env() -> list[str]:
    """Load every path of ``ZENNAS_PLUGINS`` not loaded yet."""
    names: list[str] = []
    for part in os.environ.get(ENV_VAR, "").split(os.pathsep):
        part = part.strip()
        if part and part not in _env_done:
            _env_done.add(part)
            names += load_path(part)
    return names


def registry_loader(drop_in_folder: str) -> Callable[[], None]:
    """The loader of a registry: its checkout drop-in folder, then ``ZENNAS_PLUGINS``."""

    def load() -> None:
        legacy_package(drop_in_folder)
        load_env()

    return load


__all__ = ["ENV_VAR", "LEGACY_PACKAGES", "PluginError", "add_module_hook", "checkout_root", "import_file",
           "legacy_package", "load_env", "load_path", "load_plugins", "registry_loader", "run_hooks"]
