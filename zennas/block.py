"""Block base classes: typed arguments, canonical serialisation, analytic costs and module building.

A *block* here is a pure description (the original's ``no_create`` object): it holds its integer
arguments and children, knows its channels/stride/output resolution and its costs, and builds a
``torch.nn.Module`` only when asked (:meth:`Block.build`).  Flags that change the built network
(``no_reslink``, ``no_BN``, ``use_se`` ...) are not part of a block; they travel in
:class:`Options`, so one parsed structure gives every variant.

Cost conventions (see :class:`Cost`): ``params``/``flops`` follow the original ZEN counters
bit for bit (ZENNAS_SPEC §2.1-2.4), ``exact_params``/``exact_macs`` are the true parameter count of
the built module and the true conv/linear multiply-accumulates, and ``mac`` is the memory access
cost in elements (ShuffleNet V2 definition, §9.6).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Sequence

if TYPE_CHECKING:  # torch is imported lazily: parsing and costs never need it
    from torch import nn


# --------------------------------------------------------------------------------------------
# Options and costs
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Options:
    """Construction flags shared by cost computation and module building.

    * ``no_reslink`` - super blocks emit unit bodies without shortcut/projection (Zen-score net).
    * ``no_BN`` - super blocks omit every BN (a projection's BN stays, as in ZEN).
    * ``use_se`` - insert ``SE(c)`` after the k x k / depthwise ReLU of every super-block unit.
    * ``bn_eps`` - eps of every BatchNorm2d (MasterNet forces 1e-3 like ZEN).
    * ``mac_unfused`` - MAC counts BN/activations (2*C*H*W each) and concatenations instead of
      assuming they are fused into their producer.
    * ``extras`` - sorted ``(key, value)`` pairs for block families that need more flags
      (e.g. ``("use_ge", "theta:2")``); read them with :meth:`get`.
    """

    no_reslink: bool = False
    no_BN: bool = False
    use_se: bool = False
    bn_eps: float = 1e-3
    mac_unfused: bool = False
    extras: tuple[tuple[str, Any], ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        for k, v in self.extras:
            if k == key:
                return v
        return default

    def with_extras(self, **kw: Any) -> "Options":
        d = dict(self.extras)
        d.update(kw)
        return replace(self, extras=tuple(sorted(d.items())))

    def evolve(self, **kw: Any) -> "Options":
        known = {f.name for f in fields(self)}
        base = {k: v for k, v in kw.items() if k in known}
        rest = {k: v for k, v in kw.items() if k not in known}
        out = replace(self, **base)
        return out.with_extras(**rest) if rest else out


DEFAULT_OPTIONS = Options()


@dataclass(slots=True)
class Cost:
    """Additive cost record of a block or network at a given input resolution.

    * ``params`` - ZEN ``get_model_size`` convention: conv/FC weights, BN = 1 per channel, biased FC
      +1, projection in*out + out (float when ZEN's arithmetic makes it one).
    * ``flops`` - ZEN ``get_FLOPs``: conv/FC multiply-accumulates (one MAC counted once) + one op per
      BN / Swish output element; stride-2 projections counted at (H_out/s)^2 (ZEN's 4x under-count).
    * ``exact_params`` - ``sum(p.numel())`` of the module :meth:`Block.build` creates.
    * ``exact_macs`` - true conv/linear MACs at the true PyTorch output sizes (ceil(H/s)).
    * ``mac`` - memory access cost in *elements* (multiply by bytes/element for bytes), inference
      with BN folded and activations fused: per conv/FC ``C_in*H_in*W_in + C_out*H_out*W_out +
      weights (+ C_out for an explicit bias)``; residual add 3*C*H*W; channel shuffle 2*C*H*W;
      pooling reads its input and writes its output; concat 0.  See ZENNAS_SPEC §9.6.
    * ``peak`` - max over ops of (input + output activation elements), a working-memory proxy;
      combined with ``max`` instead of ``+``.
    """

    params: float = 0
    flops: float = 0
    exact_params: int = 0
    exact_macs: int = 0
    mac: int = 0
    peak: int = 0

    def __add__(self, other: "Cost") -> "Cost":
        p = self.peak if self.peak >= other.peak else other.peak
        return Cost(self.params + other.params, self.flops + other.flops, self.exact_params + other.exact_params,
                    self.exact_macs + other.exact_macs, self.mac + other.mac, p)

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def conv_out(h: int, k: int, s: int, pad: int | None = None) -> int:
    """True PyTorch output size of a conv/pool with 'same'-style padding (k-1)//2."""
    p = (k - 1) // 2 if pad is None else pad
    return (h + 2 * p - k) // s + 1


# --------------------------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------------------------
#: largest value of any block argument (channels, widths, kernel, stride, ...) unless its :class:`Arg`
#: declares another ``max``: structure strings with larger numbers are rejected by the parser
MAX_ARG = 1_048_576  # 2**20
#: largest sub-layer count ``L`` of one block (the network total is bounded by
#: :data:`zennas.structure.MAX_LAYERS`)
MAX_SUBLAYERS = 1024


@dataclass(frozen=True)
class Arg:
    """One positional argument of a block token: name, type (int/float), minimum and maximum value
    (``max=None``: :data:`MAX_SUBLAYERS` for ``L``, else :data:`MAX_ARG`)."""

    name: str
    type: type = int
    min: float | None = 1
    doc: str = ""
    max: float | None = None

    @property
    def maximum(self) -> float:
        if self.max is not None:
            return self.max
        return MAX_SUBLAYERS if self.name == "L" else MAX_ARG


def describe_number(v: Any) -> str:
    """``v`` for a message; a huge integer as its digit count (str() of > 4300 digits raises)."""
    if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > 64:
        return f"a number of about {int(v.bit_length() * 0.30103) + 1} digits"
    return repr(v)


#: argument values used to generate :meth:`Block.example` tokens
EXAMPLE_VALUES: dict[str, Any] = {"in": 32, "out": 64, "c": 32, "k": 3, "s": 2, "B": 16, "L": 2, "bias": 1,
                                  "output_size": 1}


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return repr(v)
    return str(v)


# --------------------------------------------------------------------------------------------
# Base block
# --------------------------------------------------------------------------------------------
class Block:
    """Base of every structure-string token.

    Subclasses declare ``ARGS`` (typed positional integer arguments) and implement ``_cost`` and
    ``_build``.  ``KIND`` tells the parser the body form: ``"leaf"`` (integer args), ``"res"``
    (optional ``in,`` ``stride,`` then blocks), ``"multi"`` (``;``-separated branches), ``"seq"``
    (blocks).  ``NAME`` is the registered token name (set by :func:`zennas.blocks.register_block`).
    """

    NAME: ClassVar[str] = ""
    ARGS: ClassVar[tuple[Arg, ...]] = ()
    KIND: ClassVar[str] = "leaf"
    IS_SUPER: ClassVar[bool] = False
    #: counts toward ``layers`` (ZEN: sub_layers of super blocks; plain convs count 1 each)
    LAYER_WEIGHT: ClassVar[int] = 0
    #: a small valid token of this block used by the parametrized registry tests; when None it is
    #: generated from ``ARGS`` with :data:`EXAMPLE_VALUES`
    EXAMPLE: ClassVar[str | None] = None
    #: False for placeholder blocks whose forward is not meant to run
    FORWARD: ClassVar[bool] = True

    __slots__ = ("_hash", "_key", "args", "children", "label")
    _ARG_INDEX: ClassVar[dict[str, int]] = {}

    _INT_MINS: ClassVar[tuple[int, ...] | None] = None
    _INT_MAXS: ClassVar[tuple[int, ...]] = ()

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls._ARG_INDEX = {a.name: i for i, a in enumerate(cls.ARGS)}
        ints = all(a.type is int for a in cls.ARGS)
        cls._INT_MINS = tuple(int(a.min) if a.min is not None else -(2**62) for a in cls.ARGS) if ints else None
        cls._INT_MAXS = tuple(int(a.maximum) for a in cls.ARGS) if ints else ()

    def _convert_args(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        conv = []
        for a, v in zip(self.ARGS, args):
            try:
                v = a.type(v) if a.type is float else v
            except (TypeError, ValueError, OverflowError):
                raise ValueError(f"{self.NAME}: argument {a.name!r} must be a number, got {describe_number(v)}") from None
            if a.type is int and (isinstance(v, bool) or not isinstance(v, int)):
                if isinstance(v, float) and v.is_integer():
                    v = int(v)
                else:
                    raise ValueError(f"{self.NAME}: argument {a.name!r} must be an integer, got {describe_number(v)}")
            if v != v or (a.min is not None and v < a.min):  # v != v: NaN
                raise ValueError(f"{self.NAME}: argument {a.name!r} must be >= {a.min}, got {describe_number(v)}")
            if v > a.maximum:
                raise ValueError(f"{self.NAME}: argument {a.name!r} must be <= {a.maximum:,} (the documented maximum), "
                                 f"got {describe_number(v)}")
            conv.append(v)
        return tuple(conv)

    def __init__(self, *args: Any, children: Sequence[Any] | None = None, label: str | None = None):
        if self.KIND == "leaf":
            if len(args) != len(self.ARGS):
                raise ValueError(
                    f"{self.NAME or type(self).__name__} takes {len(self.ARGS)} arguments "
                    f"({', '.join(a.name for a in self.ARGS)}), got {len(args)}"
                )
            mins = self._INT_MINS
            fast = mins is not None
            if fast:  # plain ints within bounds (the common case); a loop is cheaper than all(genexpr)
                for v, m, hi in zip(args, mins, self._INT_MAXS):
                    if type(v) is not int or v < m or v > hi:
                        fast = False
                        break
            self.args = args if fast else self._convert_args(args)
        else:
            self.args = tuple(args)
        self.children = tuple(children) if children is not None else ()
        self.label = label
        self._key: str | None = None
        self._hash: int | None = None
        self.validate()

    @classmethod
    def example(cls) -> str:
        """A small, valid token string for this block (tests build every registered block from it)."""
        if cls.EXAMPLE:
            return cls.EXAMPLE
        if cls.KIND != "leaf":
            raise NotImplementedError(f"{cls.NAME}: container blocks must define EXAMPLE")
        vals = [EXAMPLE_VALUES.get(a.name, 2 if a.type is int else 1.0) for a in cls.ARGS]
        return f"{cls.NAME}({','.join(_fmt(v) for v in vals)})"

    # ---- identity / serialisation ---------------------------------------------------------
    def validate(self) -> None:
        """Hook for subclasses: raise ValueError on inconsistent arguments."""

    def arg(self, name: str) -> Any:
        i = self._ARG_INDEX.get(name)
        if i is None:
            raise AttributeError(f"{self.NAME} has no argument {name!r}")
        return self.args[i]

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: expose ARGS by name (blk.out, blk.L, ...).
        if name.startswith("_") or name in Block.__slots__:
            raise AttributeError(name)
        for a, v in zip(type(self).ARGS, object.__getattribute__(self, "args")):
            if a.name == name:
                return v
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def body_str(self) -> str:
        return ",".join(_fmt(v) for v in self.args)

    def __str__(self) -> str:
        if self._key is None:
            self._key = f"{self.NAME}({self.body_str()})"
        return self._key

    def __repr__(self) -> str:
        lab = f"{self.label}|" if self.label else ""
        return f"<{type(self).__name__} {self.NAME}({lab}{self.body_str()})>"

    def __eq__(self, other: object) -> bool:
        # identity by token name, arguments and children (equivalent to the canonical string)
        return (isinstance(other, Block) and self.NAME == other.NAME and self.args == other.args
                and self.children == other.children)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash((self.NAME, self.args, self.children))
        return self._hash

    def replace(self, **changes: Any) -> "Block":
        """A copy with some named arguments changed (leaf blocks)."""
        vals = [changes.pop(a.name, v) for a, v in zip(self.ARGS, self.args)]
        if changes:
            raise TypeError(f"{self.NAME} has no arguments {sorted(changes)}")
        return type(self)(*vals, label=self.label)

    # ---- shape bookkeeping -----------------------------------------------------------------
    @property
    def in_channels(self) -> int:
        idx = self._ARG_INDEX
        i = idx.get("in", idx.get("c"))
        if i is None:
            raise AttributeError(f"{self.NAME} has no input channels")
        return self.args[i]

    @property
    def out_channels(self) -> int:
        idx = self._ARG_INDEX
        i = idx.get("out", idx.get("c"))
        return self.in_channels if i is None else self.args[i]

    @property
    def stride(self) -> int:
        i = self._ARG_INDEX.get("s")
        return 1 if i is None else self.args[i]

    def with_in_channels(self, c: int) -> Block:
        """Re-chain: the same block reading ``c`` input channels (ZEN ``set_in_channels``)."""
        if "in" in self._ARG_INDEX:
            return self.replace(**{"in": c})
        if "c" in self._ARG_INDEX:
            return self.replace(c=c)
        return self

    def out_res(self, h: int) -> int:
        """Output resolution under ZEN's floor bookkeeping (H // s)."""
        return h // self.stride

    def out_res_exact(self, h: int) -> int:
        """True PyTorch output resolution."""
        return conv_out(h, 1, self.stride, 0) if self.stride > 1 else h

    # ---- costs / layers / build -------------------------------------------------------------
    def cost(self, h: int, opts: Options = DEFAULT_OPTIONS, he: int | None = None) -> Cost:
        """Costs at input resolution ``h`` (ZEN floor chain) and ``he`` (true chain, default h)."""
        return _cached_cost(self, h, h if he is None else he, opts)

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        raise NotImplementedError

    def num_layers(self) -> int:
        if self.IS_SUPER:
            return int(self.arg("L"))
        return self.LAYER_WEIGHT + sum(c.num_layers() for c in self.iter_children())

    def iter_children(self) -> Iterable["Block"]:
        for c in self.children:
            if isinstance(c, Block):
                yield c
            else:  # branch (tuple of blocks)
                yield from c

    def split(self, threshold: int) -> list["Block"]:
        """ZEN ``split``: blocks that cannot split return themselves."""
        return [self]

    def build(self, opts: Options = DEFAULT_OPTIONS) -> "nn.Module":
        return self._build(opts)

    def _build(self, opts: Options) -> "nn.Module":
        raise NotImplementedError(f"{self.NAME} cannot be built into a module")


@functools.lru_cache(maxsize=200_000)
def _cached_cost(block: Block, h: int, he: int, opts: Options) -> Cost:
    return block._cost(h, he, opts)


def chain_cost(blocks: Iterable[Block], h: int, he: int, opts: Options) -> tuple[Cost, int, int]:
    """Sum the costs of blocks applied in sequence; return (cost, out_res_zen, out_res_exact)."""
    total = Cost()
    for b in blocks:
        total = total + b.cost(h, opts, he)
        h, he = b.out_res(h), b.out_res_exact(he)
    return total, h, he


# --------------------------------------------------------------------------------------------
# Super blocks: defined by their expansion into basic blocks
# --------------------------------------------------------------------------------------------
class SuperBlock(Block):
    """A leaf token that expands into a list of basic blocks (ZEN SuperConv*/SuperRes*).

    Subclasses implement :meth:`expand`.  Costs, resolution and the built module all derive from
    the expansion, so a new family cannot get them out of sync.
    """

    IS_SUPER: ClassVar[bool] = True

    def expand(self, opts: Options) -> list[Block]:
        raise NotImplementedError

    def expansion(self, opts: Options = DEFAULT_OPTIONS) -> list[Block]:
        return _cached_expansion(self, opts)

    def out_res(self, h: int) -> int:
        return _cached_res(self, h, False)

    def out_res_exact(self, h: int) -> int:
        return _cached_res(self, h, True)

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        return chain_cost(self.expansion(opts), h, he, opts)[0]

    def _build(self, opts: Options) -> "nn.Module":
        from zennas.modules import SequentialBlock

        return SequentialBlock([b.build(opts) for b in self.expansion(opts)])

    def split(self, threshold: int) -> list[Block]:
        names = [a.name for a in self.ARGS]
        if "L" not in names or "B" not in names:  # SuperConv-like: never split (ZEN)
            return [self]
        L = self.arg("L")
        if L < threshold:
            return [self]
        first_l = threshold // 2
        first = self.replace(L=first_l)
        second = self.replace(**{"in": self.out_channels, "s": 1, "L": L - first_l})
        return [first, second]


@functools.lru_cache(maxsize=200_000)
def _cached_res(block: Block, h: int, exact: bool) -> int:
    """Output resolution of a composite block (memoised: containers walk their children)."""
    if isinstance(block, SuperBlock):
        children = block.expansion()
    else:
        children = list(block.iter_children())
    for b in children:
        h = b.out_res_exact(h) if exact else b.out_res(h)
    return h


@functools.lru_cache(maxsize=50_000)
def _cached_expansion(block: SuperBlock, opts: Options) -> list[Block]:
    return block.expand(opts)


def smart_round(x: float, base: int | None = None) -> int:
    """ZEN ``smart_round``: max(base, round(x / base) * base), Python round-half-to-even.

    Without ``base`` it is chosen from x: 32 if x > 256, 16 if x > 128, else 8.
    """
    if base is None:
        base = 32 if x > 256 else 16 if x > 128 else 8
    return int(max(base, round(x / base) * base))


__all__ = [
    "MAX_ARG",
    "MAX_SUBLAYERS",
    "Arg",
    "Block",
    "Cost",
    "DEFAULT_OPTIONS",
    "Options",
    "SuperBlock",
    "chain_cost",
    "conv_out",
    "describe_number",
    "smart_round",
]
