"""Legacy entry point: ``from Masternet import MasterNet, build_model`` (ZEN's module name).

The implementation lives in :mod:`zennas.masternet`; nothing here reads ``sys.argv``.  ``MasterNet``
accepts both call styles::

    MasterNet(structure, num_classes, no_reslink=..., no_BN=..., use_se=...)          # zennas
    MasterNet(num_classes=100, plainnet_struct=s, no_reslink=False, no_BN=False, use_se=False)  # original

The original's ``argv``/``opt`` (read for these options) and ``no_create`` are accepted and ignored with
a warning: pass the options as keywords.
"""

from __future__ import annotations

import warnings
from typing import Any

from zennas.masternet import MasterNet as _MasterNet
from zennas.masternet import build_model

__all__ = ["MasterNet", "build_model"]


class MasterNet(_MasterNet):
    """:class:`zennas.masternet.MasterNet` with the original's keyword names (``plainnet_struct``,
    ``num_classes=None`` -> 1000, ``no_reslink/no_BN/use_se=None`` -> False)."""

    def __init__(self, structure: Any = None, num_classes: Any = None, *, argv: Any = None, opt: Any = None,
                 plainnet_struct: str | None = None, no_create: bool = False, no_reslink: bool | None = None,
                 no_BN: bool | None = None, use_se: bool | None = None, **kw: Any) -> None:
        if isinstance(structure, (list, tuple)) and structure and all(isinstance(a, str) for a in structure):
            argv, structure = structure, None  # the original's first positional parameter is argv
        if num_classes is not None and not isinstance(num_classes, int):
            opt, num_classes = num_classes, None  # ... and its second is opt
        ignored = [n for n, v in (("argv", argv), ("opt", opt), ("no_create", no_create)) if v]
        if ignored:
            warnings.warn(f"Masternet.MasterNet: {', '.join(ignored)} ignored; pass num_classes=, plainnet_struct=, "
                          "no_reslink=, no_BN=, use_se= as keywords", stacklevel=2)
        if structure is not None and plainnet_struct is not None:
            raise TypeError("give the structure once: positional or plainnet_struct=")
        structure = structure if structure is not None else plainnet_struct
        if structure is None:
            raise TypeError("MasterNet needs a structure: MasterNet(plainnet_struct='SuperConvK3BNRELU(3,8,1,1)...')")
        super().__init__(structure, 1000 if num_classes is None else num_classes, no_reslink=bool(no_reslink),
                         no_BN=bool(no_BN), use_se=bool(use_se), **kw)
