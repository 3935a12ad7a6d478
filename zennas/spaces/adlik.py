"""``adlik`` (alias ``gsnet``): the ADLIK / GSNet fork's space (ZENNAS_SPEC §3.6, §4.4, §9.5).

Candidate block types = the SuperRes-like blocks (in, out, s, B, L) registered by ``block_modules``
(ADLIK's ``--search_space_list``, taken from the config key ``search_space_list``; default
``zennas.blocks.res_kxkx`` and ``zennas.blocks.res_k1kxk1`` = the XXBL families; e.g.
``zennas.blocks.gs_super`` (legacy path ``PlainNet/AABC_Block.py``) for the GS unit).

"Optimised" mutation (ADLIK ``get_mutated_structure_str``), per drawn block (indices drawn as in
ZEN, repeats skipped): one factor r ~ U{2.5, 2, 1.5, 1.25, 1, 0.8, 0.667, 0.5, 0.4};

* SuperConv-like block (in, out, s, L): same class, in, stride; out = min(smart_round(out*r, 8),
  2048); L = 1;
* SuperRes-like block: a uniformly random candidate type; out = min(smart_round(out*r, 8), 2048),
  B = min(smart_round(B*r, 8), 2048, 512) (the SAME r; the 512 cap avoids cuDNN failures);
  L = max(1, L + d), d ~ U{-2..2}; in and stride copied;
* other blocks are left unchanged.

ADLIK re-chains only the next block's input; this space re-chains every block (identical result on
a valid parent, and also repairs an inconsistent one).  Random initial structures: see
:func:`zennas.spaces.base.adlik_random_structure`.  ``zen_compat_sampling`` has no effect here (no
candidate lists are sampled).
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

import numpy as np

from zennas.block import Block, smart_round
from zennas.blocks import BLOCKS, load_module
from zennas.spaces.base import (
    CHANNEL_FACTORS,
    SearchSpace,
    SearchSpaceError,
    adlik_random_structure,
    is_conv_like,
    is_res_like,
    iter_unique,
    make_block,
    register_space,
)

logger = logging.getLogger(__name__)

DEFAULT_BLOCK_MODULES: tuple[str, ...] = ("zennas.blocks.res_kxkx", "zennas.blocks.res_k1kxk1")
SUBLAYER_CHANGES: tuple[int, ...] = (-2, -1, 0, 1, 2)


@register_space
class AdlikSpace(SearchSpace):
    """ADLIK "optimised" mutation + random initialisation over the blocks of ``block_modules``.

    Options: ``block_modules`` (module paths/dotted names, or one string with comma/space separated
    entries), ``max_channels`` (2048), ``max_bottleneck`` (512), ``stem``/``head`` block names for
    random structures, plus the common :class:`SearchSpace` options.
    """

    name = "adlik"
    aliases = ("gsnet",)
    mutation = "adlik"
    config_options = {"search_space_list": "block_modules"}

    def __init__(
        self,
        *,
        block_modules: Sequence[str] | str | None = None,
        max_channels: int = 2048,
        max_bottleneck: int = 512,
        stem: str = "SuperConvK3BNRELU",
        head: str = "SuperConvK1BNRELU",
        **common: Any,
    ) -> None:
        super().__init__(**common)
        if isinstance(block_modules, str):
            block_modules = [m for m in block_modules.replace(",", " ").split() if m]
        self.block_modules = tuple(block_modules) if block_modules else DEFAULT_BLOCK_MODULES
        self.max_channels = int(max_channels)
        self.max_bottleneck = int(max_bottleneck)
        self.stem, self.head = stem, head
        names: list[str] = []
        for m in self.block_modules:
            try:
                names += load_module(m)
            except Exception as exc:  # noqa: BLE001 - re-raised with context
                raise SearchSpaceError(f"adlik space: cannot load block module {m!r}: {exc}") from exc
        names = iter_unique(names)
        self._res = [n for n in names if is_res_like(BLOCKS.get(n))]
        skipped = [n for n in names if n not in self._res and not is_conv_like(BLOCKS.get(n))]
        if skipped:
            logger.info(
                "adlik space: blocks without the (in,out,s,B,L) signature are not candidates: %s",
                ", ".join(skipped),
            )
        if not self._res:
            raise SearchSpaceError(
                f"adlik space: block modules {list(self.block_modules)} register no SuperRes-like "
                f"block (in, out, s, B, L); registered: {names}"
            )
        for n in (stem, head):
            if not is_conv_like(BLOCKS.get(n)):
                raise SearchSpaceError(
                    f"adlik space: stem/head {n!r} is not a SuperConv-like block (in, out, s, L)"
                )

    def options(self) -> dict[str, Any]:
        return {
            **super().options(),
            "block_modules": list(self.block_modules),
            "max_channels": self.max_channels,
            "max_bottleneck": self.max_bottleneck,
            "stem": self.stem,
            "head": self.head,
        }

    def res_types(self) -> list[str]:
        return list(self._res)

    def is_legal(self, block: Block) -> bool:
        return is_conv_like(block) or block.NAME in self._res

    def legal_description(self) -> str:
        return "SuperConv-like blocks (in,out,s,L) and " + ", ".join(self._res)

    def _scale(self, c: int, r: float, cap: int) -> int:
        return min(smart_round(c * r, self.width_base), cap)

    def mutate_block(self, blocks: list[Block], idx: int, rng: np.random.Generator) -> Block | None:
        b = blocks[idx]
        r = CHANNEL_FACTORS[int(rng.integers(len(CHANNEL_FACTORS)))]
        if is_conv_like(b):
            return b.replace(out=self._scale(b.out_channels, r, self.max_channels), L=1)
        if not is_res_like(b):
            return b
        t = self._res[int(rng.integers(len(self._res)))]
        out = self._scale(b.out_channels, r, self.max_channels)
        bb = self._scale(b.arg("B"), r, min(self.max_channels, self.max_bottleneck))
        L = max(1, b.arg("L") + SUBLAYER_CHANGES[int(rng.integers(len(SUBLAYER_CHANGES)))])
        return make_block(t, b.in_channels, out, b.stride, bb, L)

    def candidates(self, blocks: Sequence[Block], idx: int) -> list[list[str]]:
        """Every outcome the mutation can give for ``blocks[idx]``: one sorted list per type (the
        probabilities are not uniform over these strings: out and B share one factor)."""
        b = blocks[idx]
        if is_conv_like(b):
            return [
                sorted(
                    {
                        str(b.replace(out=self._scale(b.out_channels, r, self.max_channels), L=1))
                        for r in CHANNEL_FACTORS
                    }
                )
            ]
        if not is_res_like(b):
            return [[str(b)]]
        cap_b = min(self.max_channels, self.max_bottleneck)
        return [
            sorted(
                {
                    f"{t}({b.in_channels},{self._scale(b.out_channels, r, self.max_channels)},{b.stride},"
                    f"{self._scale(b.arg('B'), r, cap_b)},{max(1, b.arg('L') + d)})"
                    for r in CHANNEL_FACTORS
                    for d in SUBLAYER_CHANGES
                }
            )
            for t in self._res
        ]

    def random_structure(self, rng: np.random.Generator, *, resolution: int = 224) -> list[Block]:
        return adlik_random_structure(
            rng,
            self._res,
            resolution=resolution,
            in_channels=self.in_channels,
            stem=self.stem,
            head=self.head,
        )


__all__ = ["AdlikSpace", "DEFAULT_BLOCK_MODULES", "SUBLAYER_CHANGES"]
