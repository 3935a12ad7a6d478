"""Search-space base class, the space registry and the shared ZEN helpers (ZENNAS_SPEC §3).

A search space turns a parent structure (a list of :class:`zennas.block.Block`) into a child by
replacing a few blocks.  Every random decision comes from the ``numpy.random.Generator`` passed in;
candidate lists are sorted, never iterated from a ``set``, so a run is identical for any
``PYTHONHASHSEED``.

Shared rules (ZEN):

* channel candidates of a width c: c * {2.5, 2, 1.5, 1.25, 1, 1/1.25, 1/1.5, 1/2, 1/2.5}, clamped
  to [8, cap], ``smart_round(., 8)``, de-duplicated, sorted descending (:func:`channel_candidates`);
* sub-layer candidates of L: {L+2, L+1, L, L-1, L-2} without values <= 0, sorted descending
  (:func:`sublayer_candidates`);
* mutation (:meth:`SearchSpace.mutate`): ``num_replaces`` times draw a block index uniformly from
  all blocks (an index already drawn in this call is skipped), replace that block, then re-chain
  every block's input channels from the previous block's output (the first block keeps its input).
  Strides are copied from the replaced block, so the resolution schedule never changes.  The result
  is NOT split; the engine applies ``split(6)`` itself.
"""

from __future__ import annotations

import logging
import math
from typing import Any, ClassVar, Iterable, Sequence

import numpy as np

from zennas.block import MAX_ARG, Block, smart_round
from zennas.blocks import BLOCKS
from zennas.registry import Registry
from zennas.structure import parse, rechain, to_str

logger = logging.getLogger(__name__)

#: ZEN's channel scaling factors, in the original order.
CHANNEL_FACTORS: tuple[float, ...] = (2.5, 2, 1.5, 1.25, 1, 1 / 1.25, 1 / 1.5, 1 / 2, 1 / 2.5)
#: ZEN's sub-layer deltas, in the original order.
SUBLAYER_DELTAS: tuple[int, ...] = (0, 1, 2, -1, -2)
#: the widest channel count a mutation proposes (an expansion by up to 8x stays within the parser's MAX_ARG);
#: no budgeted search gets near it
WIDTH_LIMIT = MAX_ARG // 8
CONV_ARGS = ("in", "out", "s", "L")
RES_ARGS = ("in", "out", "s", "B", "L")


class SearchSpaceError(ValueError):
    """A search space could not be found, loaded or configured (message says what and where)."""


SPACES: Registry[type["SearchSpace"]] = Registry("search space", case_sensitive=False)


def register_space(cls: type["SearchSpace"]) -> type["SearchSpace"]:
    """Class decorator: register ``cls`` under ``cls.name`` and each of ``cls.aliases``."""
    if not cls.name:
        raise SearchSpaceError(f"search space class {cls.__qualname__} has no 'name'")
    SPACES.register(cls.name, cls)
    for alias in cls.aliases:
        SPACES.register(alias, cls)
    return cls


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------
def channel_candidates(
    c: float, *, max_channels: int | None = 2048, min_channels: int = 8, base: int = 8
) -> list[int]:
    """ZEN channel list of width ``c``: the 9 scaled widths, clamped to [min, max], smart-rounded to
    ``base``, de-duplicated, sorted descending.  ``max_channels=None`` = no cap (IDW_fixfc) below
    :data:`WIDTH_LIMIT`, so a child is always a valid structure (widths of an expansion stay <= MAX_ARG)."""
    vals = []
    for f in CHANNEL_FACTORS:
        x = min(max(min_channels, c * f), WIDTH_LIMIT if max_channels is None else max_channels)
        vals.append(smart_round(x, base))
    return sorted(set(vals), reverse=True)


def sublayer_candidates(L: int) -> list[int]:
    """ZEN sub-layer list of ``L``: {L, L+1, L+2, L-1, L-2}, values <= 0 dropped, sorted descending."""
    return sorted({L + d for d in SUBLAYER_DELTAS if L + d > 0}, reverse=True)


def arg_names(cls_or_block: Any) -> tuple[str, ...]:
    cls = cls_or_block if isinstance(cls_or_block, type) else type(cls_or_block)
    return tuple(a.name for a in getattr(cls, "ARGS", ()))


def is_conv_like(b: Any) -> bool:
    """A super block with signature (in, out, s, L): the SuperConv* / SuperGSConv* kind."""
    cls = b if isinstance(b, type) else type(b)
    return bool(getattr(cls, "IS_SUPER", False)) and arg_names(cls) == CONV_ARGS


def is_res_like(b: Any) -> bool:
    """A super block with signature (in, out, s, B, L): the SuperRes* kind."""
    cls = b if isinstance(b, type) else type(b)
    return bool(getattr(cls, "IS_SUPER", False)) and arg_names(cls) == RES_ARGS


def kernel_of(b: Any) -> int | None:
    """Kernel size of a block class (its ``K`` attribute), or None."""
    cls = b if isinstance(b, type) else type(b)
    k = getattr(cls, "K", None)
    return int(k) if isinstance(k, int) else None


def stride_schedule(blocks: Sequence[Block]) -> list[int]:
    """The stride of every block, in order (invariant under mutation)."""
    return [b.stride for b in blocks]


def block_str(name: str, *args: int) -> str:
    """Canonical token text ``NAME(a,b,...)`` (identical to ``str(Block)`` for integer leaf blocks)."""
    return f"{name}({','.join(str(int(a)) for a in args)})"


def _block_class(name: str) -> type[Block]:
    return BLOCKS.get(name)


def make_block(name: str, *args: int) -> Block:
    return _block_class(name)(*[int(a) for a in args])


def adlik_random_structure(
    rng: np.random.Generator,
    res_types: Sequence[str],
    *,
    resolution: int | None = None,
    in_channels: int = 3,
    stem_channels: int = 32,
    channel_choices: Sequence[int] = tuple(range(8, 121, 8)),
    stem: str = "SuperConvK3BNRELU",
    head: str = "SuperConvK1BNRELU",
) -> list[Block]:
    """ADLIK random initial structure (ZENNAS_SPEC §3.6).

    n ~ U{6..10} blocks: ``stem(in, 32, 2, 1)``; blocks 1..n-2 a uniformly random type from
    ``res_types`` with out, B ~ U(channel_choices) (default {8, 16, ..., 120}) and L = 1; last
    ``head(prev, U(channel_choices), s, 1)``.  Stride 2 at indices 0-3 and at round((n+2)/2)
    (Python rounding), 1 elsewhere: 5 downsamplings (/32).  When ``resolution`` is given and smaller
    than 32, only the first floor(log2(resolution)) stride-2 positions are kept so the feature map
    never shrinks below 1x1 (a documented deviation; ADLIK always downsamples 5 times).
    """
    if not res_types:
        raise SearchSpaceError("random initial structure: no SuperRes block types to choose from")
    n = int(rng.integers(6, 11))
    s2 = [i for i in range(n) if i <= 3 or i == round((n + 2) / 2)]
    if resolution is not None:
        max_down = max(0, int(math.floor(math.log2(max(1, resolution)))))
        s2 = s2[:max_down]
    choices = list(channel_choices)
    blocks: list[Block] = []
    cin = in_channels
    for i in range(n):
        s = 2 if i in s2 else 1
        if i == 0:
            blocks.append(make_block(stem, cin, stem_channels, s, 1))
        elif i == n - 1:
            blocks.append(make_block(head, cin, choices[int(rng.integers(len(choices)))], s, 1))
        else:
            out = choices[int(rng.integers(len(choices)))]
            b = choices[int(rng.integers(len(choices)))]
            t = res_types[int(rng.integers(len(res_types)))]
            blocks.append(make_block(t, cin, out, s, b, 1))
        cin = blocks[-1].out_channels
    return blocks


# ----------------------------------------------------------------------------------------------
# base class
# ----------------------------------------------------------------------------------------------
class SearchSpace:
    """Base of every search space.

    Subclasses set ``name`` (registry key), optional ``aliases`` and ``example`` (a valid initial
    structure string used by tests and docs) and implement :meth:`mutate_block` (and usually
    :meth:`is_legal`, :meth:`candidates`, :meth:`res_types`).

    A space declares its mutation: ``mutation`` names the kind it implements (``"zen"``: re-sample a
    block from ZEN-style candidate lists; the ``adlik`` space: ``"adlik"``), which is what the search
    records and how ``--mutation KIND`` finds the space implementing KIND; ``config_options`` maps
    search-config keys to constructor options the space takes from the config (the adlik space:
    ``{"search_space_list": "block_modules"}``).

    Options common to all spaces:

    * ``zen_compat_sampling`` - reproduce the original's cumulative candidate lists (§3.5), which
      over-sample the first block types; default False = block type drawn uniformly.
    * ``in_channels`` - input channels of the first block (3).
    * ``width_base`` / ``min_width`` - every super block's ``out`` and ``B`` must be a multiple of
      ``width_base`` and at least ``min_width`` (8 / 8, as ZEN's smart_round produces).
    """

    name: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    example: ClassVar[str | None] = None
    mutation: ClassVar[str] = "zen"
    config_options: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        *,
        zen_compat_sampling: bool = False,
        in_channels: int = 3,
        width_base: int = 8,
        min_width: int = 8,
    ) -> None:
        self.zen_compat_sampling = bool(zen_compat_sampling)
        self.in_channels = int(in_channels)
        self.width_base = int(width_base)
        self.min_width = int(min_width)

    # ---- description ------------------------------------------------------------------------
    def options(self) -> dict[str, Any]:
        """The resolved options (for logging / saving next to the results)."""
        return {
            "zen_compat_sampling": self.zen_compat_sampling,
            "in_channels": self.in_channels,
            "width_base": self.width_base,
            "min_width": self.min_width,
        }

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "class": type(self).__qualname__, **self.options()}

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self.options().items())
        return f"<SearchSpace {self.name} ({opts})>"

    # ---- hooks ------------------------------------------------------------------------------
    def res_types(self) -> list[str]:
        """Names of the SuperRes-like block types this space may produce (used by random init)."""
        return []

    def is_legal(self, block: Block) -> bool:
        """Whether ``block``'s type may appear in a structure of this space (default: any)."""
        return True

    def legal_description(self) -> str:
        return "any registered block"

    def is_fixed(self, block: Block) -> bool:
        """Blocks that mutation never changes (e.g. IDW_fixfc's K1 head)."""
        return False

    def mutate_block(self, blocks: list[Block], idx: int, rng: np.random.Generator) -> Block | None:
        """A replacement for ``blocks[idx]`` (None deletes it).  Default: draw from :meth:`candidates`."""
        return self.draw_from_candidates(blocks, idx, rng)

    def candidates(self, blocks: Sequence[Block], idx: int) -> list[list[str]]:
        """ZEN-style list of lists of candidate block strings for ``blocks[idx]`` (inspection/compat)."""
        return [[str(blocks[idx])]]

    # ---- generic operations -----------------------------------------------------------------
    def draw_from_candidates(self, blocks: list[Block], idx: int, rng: np.random.Generator) -> Block | None:
        """ZEN sampling: flatten :meth:`candidates` (each list sorted) and pick one string uniformly;
        an empty string deletes the block."""
        flat = [s for lst in self.candidates(blocks, idx) for s in sorted(lst)]
        if not flat:
            return blocks[idx]
        s = flat[int(rng.integers(len(flat)))]
        if not s.strip():
            return None
        new = parse(s)
        if len(new) != 1:
            raise SearchSpaceError(f"space {self.name}: candidate {s!r} is not exactly one block")
        return new[0]

    def mutate(self, blocks: Sequence[Block], rng: np.random.Generator, num_replaces: int = 1) -> list[Block]:
        """ZEN mutation (§3.4): ``num_replaces`` uniform block draws (repeats skipped), replacement,
        full re-chaining (first block keeps its input).  Returns the child, not split."""
        if isinstance(blocks, str):
            blocks = parse(blocks)
        cur: list[Block | None] = list(blocks)
        if not cur:
            raise SearchSpaceError("cannot mutate an empty structure")
        first_in = _in_or_none(cur[0])
        chosen: list[int] = []
        for _ in range(int(num_replaces)):
            idx = int(rng.integers(len(cur)))
            if idx in chosen:
                continue
            chosen.append(idx)
            live = [b for b in cur if b is not None]
            live_idx = sum(1 for b in cur[:idx] if b is not None)
            if cur[idx] is None:
                continue
            new = self.mutate_block(live, live_idx, rng)
            if new is not None and live_idx > 0:
                new = new.with_in_channels(live[live_idx - 1].out_channels)
            cur[idx] = new
        out = [b for b in cur if b is not None]
        if not out:
            raise SearchSpaceError(f"space {self.name}: mutation deleted every block")
        return rechain(out, first_in)

    def random_structure(self, rng: np.random.Generator, *, resolution: int = 224) -> list[Block]:
        """ADLIK random initial structure over :meth:`res_types` (§3.6); spaces without block types
        raise NotImplementedError."""
        types = self.res_types()
        if not types:
            raise NotImplementedError(f"search space {self.name!r} cannot generate random structures")
        return adlik_random_structure(rng, types, resolution=resolution, in_channels=self.in_channels)

    def sample(self, rng: np.random.Generator, *, resolution: int = 224) -> list[Block]:
        """Alias of :meth:`random_structure` (DESIGN.md naming)."""
        return self.random_structure(rng, resolution=resolution)

    def initial_structure(
        self, rng: np.random.Generator | None = None, *, resolution: int = 224
    ) -> list[Block]:
        """The space's example structure, or a random one (seeded by ``rng``, default seed 0)."""
        if self.example:
            return parse(self.example)
        try:
            return self.random_structure(
                rng if rng is not None else np.random.default_rng(0), resolution=resolution
            )
        except NotImplementedError as exc:
            raise SearchSpaceError(
                f"search space {self.name!r} has neither an `example` structure nor random "
                f"structures; set the class attribute `example`"
            ) from exc

    def check(self, blocks: Sequence[Block] | str, *, resolution: int | None = None) -> None:
        """Raise ValueError naming the first violated invariant: non-empty; first block reads
        ``in_channels``; block i reads block i-1's output; only legal block types; super blocks have
        L >= 1 and out/B multiples of ``width_base`` and >= ``min_width``; with ``resolution`` the
        feature map stays >= 1 pixel through the stride schedule."""
        if isinstance(blocks, str):
            blocks = parse(blocks)
        blocks = list(blocks)
        if not blocks:
            raise ValueError(f"[{self.name}] empty structure")
        first_in = _in_or_none(blocks[0])
        if first_in is not None and first_in != self.in_channels:
            raise ValueError(
                f"[{self.name}] channel chaining: block 0 {blocks[0]} reads {first_in} channels, "
                f"the input has {self.in_channels}"
            )
        h = resolution
        for i, b in enumerate(blocks):
            if not self.is_legal(b):
                raise ValueError(
                    f"[{self.name}] illegal block type {b.NAME!r} at block {i} ({b}); "
                    f"legal: {self.legal_description()}"
                )
            if i > 0:
                cin, prev = _in_or_none(b), _out_or_none(blocks[i - 1])
                if cin is not None and prev is not None and cin != prev:
                    raise ValueError(
                        f"[{self.name}] channel chaining: block {i} {b} reads {cin} channels but "
                        f"block {i - 1} {blocks[i - 1]} outputs {prev}"
                    )
            names = arg_names(b)
            if b.IS_SUPER and "L" in names and b.arg("L") < 1:
                raise ValueError(f"[{self.name}] sub-layers: block {i} {b} has L < 1")
            if b.IS_SUPER and not self.is_fixed(b):
                for key in ("out", "B"):
                    if key in names:
                        w = b.arg(key)
                        if w < self.min_width or w % self.width_base:
                            raise ValueError(
                                f"[{self.name}] width: block {i} {b} has {key}={w}, must be a "
                                f"multiple of {self.width_base} and >= {self.min_width}"
                            )
            if h is not None:
                h = b.out_res(h)
                if h < 1:
                    raise ValueError(
                        f"[{self.name}] resolution schedule: the feature map vanishes after "
                        f"block {i} {b} (input resolution {resolution})"
                    )


def _in_or_none(b: Block) -> int | None:
    try:
        return b.in_channels
    except AttributeError:
        return None


def _out_or_none(b: Block) -> int | None:
    try:
        return b.out_channels
    except AttributeError:
        return None


def iter_unique(items: Iterable[str]) -> list[str]:
    """Order-preserving de-duplication."""
    seen: dict[str, None] = {}
    for x in items:
        seen.setdefault(x, None)
    return list(seen)


__all__ = [
    "CHANNEL_FACTORS",
    "SPACES",
    "SearchSpace",
    "SearchSpaceError",
    "adlik_random_structure",
    "block_str",
    "channel_candidates",
    "is_conv_like",
    "is_res_like",
    "kernel_of",
    "make_block",
    "rechain",
    "register_space",
    "stride_schedule",
    "sublayer_candidates",
    "to_str",
]
