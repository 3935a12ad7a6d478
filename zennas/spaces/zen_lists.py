"""ZEN candidate-list spaces (XXBL, IDW_fixfc and user spaces built the same way), ZENNAS_SPEC §3.2-3.5."""

from __future__ import annotations

from typing import Callable, ClassVar, Sequence

import numpy as np

from zennas.block import Block
from zennas.spaces.base import (
    SearchSpace,
    block_str,
    channel_candidates,
    is_conv_like,
    is_res_like,
    kernel_of,
    make_block,
    sublayer_candidates,
)
from zennas.structure import parse


# ----------------------------------------------------------------------------------------------
# ZEN candidate-list spaces (XXBL, IDW_fixfc)
# ----------------------------------------------------------------------------------------------
class ZenListSpace(SearchSpace):
    """A ZEN candidate-list space: SuperConv blocks change ``out`` only (L = 1, same class, in,
    stride); SuperRes-like blocks become any type of ``groups`` with out, B from the channel lists
    and L from the sub-layer list (in and stride copied).  Other blocks are never changed.

    Sampling: default = type uniform over all types, then out, B, L uniform (= uniform over that
    type's strings).  ``zen_compat_sampling`` = uniform over ZEN's flattened cumulative lists (§3.5).
    """

    groups: ClassVar[tuple[tuple[str, ...], ...]] = ()
    max_channels: ClassVar[int | None] = 2048
    fix_k1_conv: ClassVar[bool] = False

    def res_types(self) -> list[str]:
        return [t for g in self.groups for t in g]

    def check_definition(self) -> None:
        """Every block type of ``groups`` is a registered block (ValueError naming the unknown one)."""
        from zennas.blocks import BLOCKS

        for t in self.res_types():
            if t not in BLOCKS:
                close = BLOCKS.suggestions(t)
                hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
                raise ValueError(f"groups name the block {t!r}, which no block file registers{hint} (fix the name, "
                                 f"or load the file defining it with --plugins)")

    def is_legal(self, block: Block) -> bool:
        return is_conv_like(block) or block.NAME in self.res_types()

    def legal_description(self) -> str:
        return "SuperConv-like blocks (in,out,s,L) and " + ", ".join(self.res_types())

    def is_fixed(self, block: Block) -> bool:
        return self.fix_k1_conv and is_conv_like(block) and kernel_of(block) == 1

    def _channels(self, c: int) -> list[int]:
        return channel_candidates(
            c, max_channels=self.max_channels, min_channels=self.min_width, base=self.width_base
        )

    def candidates(self, blocks: Sequence[Block], idx: int) -> list[list[str]]:
        """ZEN list of lists.  With ``zen_compat_sampling`` the original's cumulative lists (list j of a
        group of n types holds types 0..min(j+1, n-1)); otherwise one list per type.  Each list sorted."""
        b = blocks[idx]
        if self.is_fixed(b):
            return [[str(b)]]
        if is_conv_like(b):
            return [
                sorted(
                    {block_str(b.NAME, b.in_channels, o, b.stride, 1) for o in self._channels(b.out_channels)}
                )
            ]
        if not is_res_like(b):
            return [[str(b)]]
        outs, bs, ls = (
            self._channels(b.out_channels),
            self._channels(b.arg("B")),
            sublayer_candidates(b.arg("L")),
        )
        per_type = {
            t: [block_str(t, b.in_channels, o, b.stride, bb, L) for o in outs for L in ls for bb in bs]
            for t in self.res_types()
        }
        result: list[list[str]] = []
        for group in self.groups:
            if self.zen_compat_sampling:
                for j in range(len(group)):
                    upto = min(j + 1, len(group) - 1)
                    result.append(sorted(s for t in group[: upto + 1] for s in per_type[t]))
            else:
                result.extend(sorted(per_type[t]) for t in group)
        return result

    def mutate_block(self, blocks: list[Block], idx: int, rng: np.random.Generator) -> Block | None:
        b = blocks[idx]
        if self.is_fixed(b) or not (is_conv_like(b) or is_res_like(b)):
            return b
        if self.zen_compat_sampling:
            if is_res_like(b):
                return self._draw_compat_res(b, rng)
            return self.draw_from_candidates(blocks, idx, rng)
        if is_conv_like(b):
            outs = self._channels(b.out_channels)
            return b.replace(out=outs[int(rng.integers(len(outs)))], L=1)
        types = self.res_types()
        t = types[int(rng.integers(len(types)))]
        outs, bs, ls = (
            self._channels(b.out_channels),
            self._channels(b.arg("B")),
            sublayer_candidates(b.arg("L")),
        )
        out = outs[int(rng.integers(len(outs)))]
        bb = bs[int(rng.integers(len(bs)))]
        L = ls[int(rng.integers(len(ls)))]
        return make_block(t, b.in_channels, out, b.stride, bb, L)

    def _draw_compat_res(self, b: Block, rng: np.random.Generator) -> Block:
        """Same draw as :meth:`draw_from_candidates` on the compat lists, without building them:
        a sorted list of strings is the concatenation of its types' sorted strings (types in name
        order), and every type contributes the same number N of strings."""
        outs, bs, ls = (
            self._channels(b.out_channels),
            self._channels(b.arg("B")),
            sublayer_candidates(b.arg("L")),
        )
        n = len(outs) * len(bs) * len(ls)
        lists = [sorted(g[: min(j + 1, len(g) - 1) + 1]) for g in self.groups for j in range(len(g))]
        k = int(rng.integers(sum(len(t) for t in lists) * n))
        for types in lists:
            if k < len(types) * n:
                t = types[k // n]
                strings = sorted(
                    block_str(t, b.in_channels, o, b.stride, bb, L) for o in outs for L in ls for bb in bs
                )
                return parse(strings[k % n])[0]
            k -= len(types) * n
        raise AssertionError("unreachable")


def zen_gen_search_space(cls: type[ZenListSpace]) -> Callable[[Sequence[Block], int], list[list[str]]]:
    """The original module-level ``gen_search_space(block_list, block_id)`` of a candidate-list space:
    ZEN's list of lists of candidate strings (its cumulative lists, ``zen_compat_sampling=True``)."""
    spaces: list[ZenListSpace] = []

    def gen_search_space(block_list: Sequence[Block], block_id: int) -> list[list[str]]:
        if not spaces:
            spaces.append(cls(zen_compat_sampling=True))
        return spaces[0].candidates(list(block_list), block_id)

    gen_search_space.__doc__ = f"ZEN's gen_search_space of the {cls.name} space (candidate lists of block_list[block_id])."
    return gen_search_space


__all__ = ["ZenListSpace", "zen_gen_search_space"]
