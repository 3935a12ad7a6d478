"""SearchSpace: mutation spaces, one file each, auto-registered (ZENNAS_SPEC §3).

Use :func:`get_space` with a registered name (``"XXBL"``, ``"IDW_fixfc"``, ``"adlik"``/``"gsnet"``,
case-insensitive) or the path of a ``.py`` file.  The original file names
(``SearchSpace/search_space_XXBL.py``, ``SearchSpace/search_space_IDW_fixfc.py``) resolve to the
registered spaces; any other file is loaded as a user space (a legacy ZEN file that only defines
``gen_search_space(block_list, block_id)`` is adapted automatically).

Add a space by dropping ONE file here::

    # SearchSpace/my_space.py
    from SearchSpace import ZenListSpace, register_space

    @register_space
    class MySpace(ZenListSpace):
        name = "my_space"
        groups = (("SuperResK3K3", "SuperResK5K5"),)
        example = "SuperConvK3BNRELU(3,16,2,1)SuperResK3K3(16,32,2,16,1)SuperConvK1BNRELU(32,64,1,1)"
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

from SearchSpace._base import (
    CHANNEL_FACTORS,
    SPACES,
    SearchSpace,
    SearchSpaceError,
    adlik_random_structure,
    channel_candidates,
    is_conv_like,
    is_res_like,
    rechain,
    register_space,
    stride_schedule,
    sublayer_candidates,
)
from SearchSpace._legacy import LegacySpace, _instantiate, install_global_utils_shim, load_space_file
from SearchSpace._zen_lists import ZenListSpace
from zennas.registry import RegistryError, discover

logger = logging.getLogger(__name__)

_PKG_DIR = Path(__file__).resolve().parent


def list_spaces() -> list[str]:
    """Primary names of the registered spaces (aliases left out), in registration order."""
    out: list[str] = []
    seen: list[type] = []
    for _, cls in SPACES.items():
        if cls not in seen:
            seen.append(cls)
            out.append(cls.name)
    return out


def _space_module_for(p: Path) -> str | None:
    """``SearchSpace.<stem>`` when ``p`` names a module of this package (existing or not under cwd)."""
    if p.suffix != ".py":
        return None
    if (p.exists() and p.resolve().parent == _PKG_DIR) or (
        not p.exists() and p.parent.name == "SearchSpace" and (_PKG_DIR / p.name).is_file()
    ):
        return f"{__name__}.{p.stem}"
    return None


def get_space(name_or_path: str | Path, **options: Any) -> SearchSpace:
    """A configured search space from a registered name or a ``.py`` file path.

    ``options`` go to the space's constructor (e.g. ``zen_compat_sampling=True``,
    ``block_modules=[...]`` for ``adlik``).  Unknown names raise :class:`SearchSpaceError` with
    close-match suggestions; a broken file raises one naming the file.
    """
    text = str(name_or_path)
    p = Path(text)
    if p.suffix == ".py" or p.exists():
        modname = _space_module_for(p)
        if modname is not None:
            importlib.import_module(modname)
            classes = [SPACES.get(n) for n in SPACES.names() if SPACES.get(n).__module__ == modname]
            if classes:
                return _instantiate(classes[0], options, where=text)
        return load_space_file(p, **options)
    try:
        cls = SPACES.get(text)
    except RegistryError as exc:
        raise SearchSpaceError(
            f"{exc}; registered: {', '.join(list_spaces())}; or pass a path to a .py space file"
        ) from None
    return _instantiate(cls, options, where=SPACES.where(text))


install_global_utils_shim()  # legacy ZEN files dropped here may `import global_utils`
discover(__name__)

__all__ = [
    "CHANNEL_FACTORS",
    "LegacySpace",
    "SPACES",
    "SearchSpace",
    "SearchSpaceError",
    "ZenListSpace",
    "adlik_random_structure",
    "channel_candidates",
    "get_space",
    "is_conv_like",
    "is_res_like",
    "list_spaces",
    "load_space_file",
    "rechain",
    "register_space",
    "stride_schedule",
    "sublayer_candidates",
]
