"""Search spaces: mutation spaces, one module each, auto-registered (ZENNAS_SPEC §3).

==============  ===========================================================================
module          content
==============  ===========================================================================
``base``        :class:`SearchSpace` (mutate, check, random structures), the registry, ZEN helpers
``zen_lists``   :class:`ZenListSpace`: ZEN-style candidate lists (XXBL, IDW_fixfc, GS, yours)
``legacy``      user space files and the adapter for a ZEN ``gen_search_space`` file
``xxbl``        ZEN's ResNet-like space ``XXBL``
``idw_fixfc``   ZEN's MobileNet-like space ``IDW_fixfc``
``gs``          the GhostShuffle candidate-list space ``GS``
``adlik``       the ADLIK / GSNet space ``adlik`` (alias ``gsnet``; its own mutation)
==============  ===========================================================================

Use :func:`get_space` with a registered name (case-insensitive) or the path of a ``.py`` file; the
original file names (``SearchSpace/search_space_XXBL.py``, ...) resolve to the registered spaces.  A
new built-in space is ONE module here; a user's space is one file in the checkout's ``SearchSpace/``
folder or named in ``ZENNAS_PLUGINS`` / ``--plugins``::

    from zennas.spaces import ZenListSpace, register_space

    @register_space
    class MySpace(ZenListSpace):
        name = "my_space"
        groups = (("SuperResK3K3", "SuperResK5K5"),)
        example = "SuperConvK3BNRELU(3,16,2,1)SuperResK3K3(16,32,2,16,1)SuperConvK1BNRELU(32,64,1,1)"
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zennas import plugins
from zennas.registry import RegistryError, discover
from zennas.spaces.base import (
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
from zennas.spaces.legacy import LegacySpace, _instantiate, install_global_utils_shim, load_space_file
from zennas.spaces.zen_lists import ZenListSpace


def list_spaces() -> list[str]:
    """Primary names of the registered spaces (aliases left out), in registration order."""
    out: list[str] = []
    seen: list[type] = []
    for _, cls in SPACES.items():
        if cls not in seen:
            seen.append(cls)
            out.append(cls.name)
    return out


def space_class(name: str) -> type[SearchSpace]:
    """The registered space class ``name`` (SearchSpaceError with close matches otherwise)."""
    try:
        return SPACES.get(name)
    except RegistryError as exc:
        raise SearchSpaceError(
            f"{exc}; registered: {', '.join(list_spaces())}; or pass a path to a .py space file"
        ) from None


def mutation_provider(kind: str) -> type[SearchSpace] | None:
    """The one registered space implementing mutation ``kind`` (None if none or several do)."""
    found = {cls for _, cls in SPACES.items() if cls.mutation == kind}
    return found.pop() if len(found) == 1 else None


def create_space(cls: type[SearchSpace], **options: Any) -> SearchSpace:
    """Instantiate a space class; bad options raise SearchSpaceError listing the accepted ones."""
    return _instantiate(cls, options, where=SPACES.where(cls.name) if cls.name in SPACES else cls.__module__)


def is_space_path(name_or_path: str | Path) -> bool:
    p = Path(str(name_or_path))
    return p.suffix == ".py" or p.exists()


def get_space(name_or_path: str | Path, **options: Any) -> SearchSpace:
    """A configured search space from a registered name or a ``.py`` file path.

    ``options`` go to the space's constructor (e.g. ``zen_compat_sampling=True``,
    ``block_modules=[...]`` for ``adlik``).  Unknown names raise :class:`SearchSpaceError` with
    close-match suggestions; a broken file raises one naming the file.
    """
    if is_space_path(name_or_path):
        return load_space_file(name_or_path, **options)
    return create_space(space_class(str(name_or_path)), **options)


discover(__name__)
SPACES.set_loader(plugins.registry_loader("SearchSpace"))

__all__ = [
    "CHANNEL_FACTORS",
    "LegacySpace",
    "SPACES",
    "SearchSpace",
    "SearchSpaceError",
    "ZenListSpace",
    "adlik_random_structure",
    "channel_candidates",
    "create_space",
    "get_space",
    "install_global_utils_shim",
    "is_conv_like",
    "is_res_like",
    "is_space_path",
    "list_spaces",
    "load_space_file",
    "mutation_provider",
    "rechain",
    "register_space",
    "space_class",
    "stride_schedule",
    "sublayer_candidates",
]
