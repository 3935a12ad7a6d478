"""From a :class:`~zennas.search.config.SearchConfig` to the objects a search needs: device, search
space, initial structure.  Config errors become :class:`~zennas.search.config.ConfigError`.

The space is found without naming any: a registered name or a ``.py`` path gives the space; a
requested mutation (``mutation``, or ``origin`` = ``zen``) that the space does not implement selects
the one registered space that does (``--mutation adlik`` with XXBL -> the ``adlik`` space), and the
space's ``config_options`` say which config keys it takes (the adlik space: ``search_space_list``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from zennas.search.config import ConfigError, SearchConfig
from zennas.structure import StructureParseError, parse, read_structure_file, to_str

logger = logging.getLogger("zennas.search")


def resolve_device(device: str) -> str:
    from zennas.devices import DeviceError
    from zennas.devices import resolve_device as check

    try:
        return check(device)
    except DeviceError as exc:
        raise ConfigError(str(exc)) from None


def _config_options(cls: type, cfg: SearchConfig) -> dict[str, Any]:
    opts = dict(cfg.space_options)
    for key, option in getattr(cls, "config_options", {}).items():
        value = getattr(cfg, key, None)
        if value:
            opts.setdefault(option, list(value) if isinstance(value, (list, tuple)) else value)
    return opts


def resolve_space(cfg: SearchConfig) -> Any:
    """The configured search space object."""
    from zennas.spaces import create_space, get_space, is_space_path, mutation_provider, space_class

    requested = cfg.mutation or ("zen" if cfg.origin else None)
    try:
        if is_space_path(cfg.search_space):
            space = get_space(cfg.search_space, **cfg.space_options)
            cls = type(space)
        else:
            cls, space = space_class(cfg.search_space), None
        if requested and requested != getattr(cls, "mutation", "zen"):
            provider = mutation_provider(requested)
            if provider is None:
                logger.warning("search space %s implements the %r mutation and no single registered space "
                               "implements %r: keeping %s", cls.name, cls.mutation, requested, cls.name)
            else:
                cls, space = provider, None
        return space if space is not None else create_space(cls, **_config_options(cls, cfg))
    except (KeyError, ValueError, FileNotFoundError, ImportError, TypeError) as exc:
        raise ConfigError(f"search_space {cfg.search_space!r}: {exc}") from None


def initial_structure(cfg: SearchConfig) -> str | None:
    """The canonical initial structure S0 (``plainnet_struct`` or the first line of
    ``plainnet_struct_txt``), or None."""
    try:
        if cfg.plainnet_struct:
            return to_str(parse(cfg.plainnet_struct.strip(), rechain=cfg.rechain))
        if cfg.plainnet_struct_txt:
            if not Path(cfg.plainnet_struct_txt).is_file():
                raise ConfigError(f"plainnet_struct_txt: file {cfg.plainnet_struct_txt!r} not found")
            return to_str(parse(read_structure_file(cfg.plainnet_struct_txt), rechain=cfg.rechain))
    except StructureParseError as exc:
        raise ConfigError(f"initial structure: {exc.summary}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"plainnet_struct_txt: cannot read {cfg.plainnet_struct_txt!r}: {exc}") from None
    return None


__all__ = ["initial_structure", "resolve_device", "resolve_space"]
