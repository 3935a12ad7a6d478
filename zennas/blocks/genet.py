"""The GENet dialect: GPU-Efficient Networks (Lin et al., arXiv 2006.14090; repo idstcv/GPU-Efficient-Networks).

"GENet" here always means GPU-Efficient Networks; Gather-Excite is :mod:`zennas.blocks.gather_excite`
(``GE*`` tokens).  The dialect (ZENNAS_SPEC §1.9) has its own registry, :data:`GENET_BLOCKS`, registered
as the structure dialect ``genet``, because two names mean something else in ZEN (``ResBlock``) or do
not exist there::

    from zennas.structure import parse
    blocks = parse(open("GENet_large.txt").readline(), dialect="genet")   # = zennas.genet.parse_genet

Tokens:

* shared with ZEN, identical semantics: ``ConvKX, ConvDW, BN, RELU, Linear, MaxPool, Flatten,
  AdaptiveAvgPool, MultiSumBlock, Sequential, PlainNetBasicBlockClass``;
* ``ResBlock`` -- GENet semantics: shortcut = average pooling (kernel s+1, stride s, padding s//2;
  identity when s = 1), no projection; out = max(in, inner out) (GENet), channels must agree to run;
* ``SuperResKXKX / SuperResK1KX / SuperResK1KXK1 / SuperResK1DWK1 / SuperResK1DW(in, out, k, s,
  expansion, L)`` (expansion is a float, M = int(round(out * expansion))), ONE residual unit per
  sub-layer (unlike ZEN's two for K1KXK1/IDW):

  ====================  ======================================================================
  SuperResKXKX          k x k (c -> M, stride) BN ReLU, k x k (M -> out) BN          ("XX")
  SuperResK1KX          1x1 (c -> M) BN ReLU, k x k (M -> out, stride) BN
  SuperResK1KXK1        1x1 (c -> M) BN ReLU, k x k (M -> M, stride) BN ReLU, 1x1 (M -> out) BN ("BL")
  SuperResK1DWK1        1x1 (c -> M) BN ReLU, DW k x k (stride) BN ReLU, 1x1 (M -> out) BN  ("DW")
  SuperResK1DW          1x1 (c -> out) BN ReLU, DW k x k (stride) BN (expansion must be 1)
  ====================  ======================================================================

  shortcut = identity when stride 1 and in = out, else 1x1 conv (no bias, stride s) + BN; ReLU after
  the addition.

Costs: ZEN's basic-block formulas applied to the GENet module (the convention of the shared zoo
reference figures): the shortcut counts as ``ConvKX(c, out, 1, s)`` at the unit's input resolution +
``BN(out)``; a sub-layer counts 1 in ``layers`` and every top-level ``ConvKX`` counts 1.  The built
modules keep GENet's attribute layout (``conv_list.<j>.<k>``, ``shortcut_list.<j>.<k>``;
``module_list.<i>.netblock`` for basic blocks) so published GENet weights load; the classifier of a
GENet checkpoint is ``fc_linear.weight`` and :class:`zennas.genet.GENetNet` maps it.
"""

from __future__ import annotations

from typing import ClassVar, Sequence

from zennas.block import Arg, Block, Cost, Options, SuperBlock, chain_cost
from zennas.blocks import basic, containers
from zennas.blocks.basic import BN, RELU, ConvDW, ConvKX
from zennas.blocks.containers import ResBlock as ZenResBlock
from zennas.blocks.registry import register_dialect
from zennas.registry import Registry

GENET_BLOCKS: Registry[type[Block]] = register_dialect("genet", Registry("GENet block"))

#: tokens with identical meaning in both dialects (registered here under their ZEN names)
SHARED_WITH_ZEN = (basic.ConvKX, basic.ConvDW, basic.BN, basic.RELU, basic.Linear, basic.MaxPool, basic.Flatten,
                   basic.AdaptiveAvgPool, containers.MultiSumBlock, containers.Sequential,
                   basic.PlainNetBasicBlockClass)
for _cls in SHARED_WITH_ZEN:
    GENET_BLOCKS.register(_cls.NAME, _cls, module=__name__)


def _bn(c: int, opts: Options) -> list[Block]:
    return [] if opts.no_BN else [BN(c)]


class GENetResBlock(ZenResBlock):
    """GENet ``ResBlock``: ``inner(x) + avg_pool(x, s+1, s, s//2)``; no projection, no activation."""

    NAME = "ResBlock"
    EXAMPLE = "ResBlock(16,2,ConvKX(16,16,3,2)BN(16))"

    def validate(self) -> None:
        inner_out = self.children[-1].out_channels
        if inner_out != self.args[0]:
            raise ValueError(f"GENet ResBlock: the avg-pool shortcut keeps {self.args[0]} channels but the inner "
                             f"blocks give {inner_out}; they must agree")

    @property
    def out_channels(self) -> int:
        return max(self.args[0], self.children[-1].out_channels)

    @property
    def has_projection(self) -> bool:
        return False

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        inner, ho, hoe = chain_cost(self.children, h, he, opts)
        c, s = self.out_channels, self.stride
        extra = Cost(mac=3 * c * hoe * hoe)
        if s > 1 and not opts.no_reslink:  # average pooling reads its input and writes its output
            extra = extra + Cost(mac=c * he * he + c * hoe * hoe)
        return inner + (extra if not opts.no_reslink else Cost())

    def _build(self, opts: Options):
        from zennas.extra_modules import GENetResModule

        return GENetResModule([c.build(opts) for c in self.children], self.stride, reslink=not opts.no_reslink)


class GENetUnit(Block):
    """One GENet residual unit (internal, not a token): ``relu(body(x) + shortcut(x))``.

    ``children = (body, shortcut)``; an empty shortcut is the identity; ``shortcut is None`` (under
    ``no_reslink``) means no addition at all.
    """

    NAME = "GENetUnit"
    KIND = "multi"

    def __init__(self, body: Sequence[Block], shortcut: Sequence[Block] | None, cin: int, cout: int, stride: int):
        self._cin, self._cout, self._s = cin, cout, stride
        self._reslink = shortcut is not None
        super().__init__(children=(tuple(body), tuple(shortcut or ())))

    def body_str(self) -> str:
        return ";".join("".join(str(c) for c in br) for br in self.children) + ("" if self._reslink else ";-")

    @property
    def in_channels(self) -> int:
        return self._cin

    @property
    def out_channels(self) -> int:
        return self._cout

    @property
    def stride(self) -> int:
        return self._s

    def iter_children(self):
        for br in self.children:
            yield from br

    def out_res(self, h: int) -> int:
        for b in self.children[0]:
            h = b.out_res(h)
        return h

    def out_res_exact(self, h: int) -> int:
        for b in self.children[0]:
            h = b.out_res_exact(h)
        return h

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        body, short = self.children
        total, _, hoe = chain_cost(body, h, he, opts)
        if self._reslink:
            if short:
                total = total + chain_cost(short, h, he, opts)[0]
            total = total + Cost(mac=3 * self._cout * hoe * hoe)
        return total + RELU(self._cout).cost(h, opts, hoe)

    def _modules(self, opts: Options):
        from torch import nn

        from zennas.modules import NetBlock

        def raw(blocks):
            mods = []
            for b in blocks:
                m = b.build(opts)
                mods.append(m.netblock if isinstance(m, NetBlock) else m)
            return nn.Sequential(*mods)

        body, short = self.children
        return raw(body), (raw(short) if self._reslink else None)

    def _build(self, opts: Options):
        from zennas.extra_modules import GENetSuperModule

        conv, sc = self._modules(opts)
        return GENetSuperModule([conv], [sc])


class GENetSuperRes(SuperBlock):
    """Base of the GENet super blocks ``Name(in, out, k, s, expansion, L)``: one unit per sub-layer."""

    ARGS = (Arg("in"), Arg("out"), Arg("k"), Arg("s"), Arg("expansion", type=float, min=0.0), Arg("L"))
    KERNELS: ClassVar[str] = "KXKX"

    def validate(self) -> None:
        if self.arg("expansion") <= 0:
            raise ValueError(f"{self.NAME}: expansion must be > 0")
        if int(round(self.arg("out") * self.arg("expansion"))) < 1:
            raise ValueError(f"{self.NAME}: out * expansion rounds to 0 channels")

    def _body(self, ci: int, co: int, m: int, k: int, si: int, opts: Options) -> list[Block]:
        t = self.KERNELS
        if t == "KXKX":
            return [ConvKX(ci, m, k, si), *_bn(m, opts), RELU(m), ConvKX(m, co, k, 1), *_bn(co, opts)]
        if t == "K1KX":
            return [ConvKX(ci, m, 1, 1), *_bn(m, opts), RELU(m), ConvKX(m, co, k, si), *_bn(co, opts)]
        if t == "K1KXK1":
            return [ConvKX(ci, m, 1, 1), *_bn(m, opts), RELU(m), ConvKX(m, m, k, si), *_bn(m, opts), RELU(m),
                    ConvKX(m, co, 1, 1), *_bn(co, opts)]
        if t == "K1DWK1":
            return [ConvKX(ci, m, 1, 1), *_bn(m, opts), RELU(m), ConvDW(m, k, si), *_bn(m, opts), RELU(m),
                    ConvKX(m, co, 1, 1), *_bn(co, opts)]
        if t == "K1DW":
            return [ConvKX(ci, co, 1, 1), *_bn(co, opts), RELU(co), ConvDW(co, k, si), *_bn(co, opts)]
        raise AssertionError(t)

    def expand(self, opts: Options) -> list[Block]:
        cin, cout, k, s, e, L = self.args
        units: list[Block] = []
        for i in range(L):
            ci, si = (cin, s) if i == 0 else (cout, 1)
            m = int(round(cout * e))
            body = self._body(ci, cout, m, k, si, opts)
            if opts.no_reslink:
                short = None
            elif si == 1 and ci == cout:
                short = []
            else:
                short = [ConvKX(ci, cout, 1, si), BN(cout)]
            units.append(GENetUnit(body, short, ci, cout, si))
        return units

    def _build(self, opts: Options):
        from zennas.extra_modules import GENetSuperModule

        convs, shorts = [], []
        for u in self.expansion(opts):
            c, s = u._modules(opts)  # type: ignore[attr-defined]
            convs.append(c)
            shorts.append(s)
        return GENetSuperModule(convs, shorts)


def _family(name: str, kernels: str, example: str) -> type[GENetSuperRes]:
    cls = type(name, (GENetSuperRes,), {"NAME": name, "KERNELS": kernels, "EXAMPLE": example, "__module__": __name__})
    GENET_BLOCKS.register(name, cls, module=__name__)
    return cls


SuperResKXKX = _family("SuperResKXKX", "KXKX", "SuperResKXKX(8,16,3,2,1.0,2)")
SuperResK1KX = _family("SuperResK1KX", "K1KX", "SuperResK1KX(8,16,3,2,0.5,2)")
SuperResK1KXK1 = _family("SuperResK1KXK1", "K1KXK1", "SuperResK1KXK1(8,16,3,2,0.25,2)")
SuperResK1DWK1 = _family("SuperResK1DWK1", "K1DWK1", "SuperResK1DWK1(8,16,3,2,3.0,2)")
SuperResK1DW = _family("SuperResK1DW", "K1DW", "SuperResK1DW(8,16,3,2,1.0,2)")


def _k1dw_validate(self) -> None:
    GENetSuperRes.validate(self)
    if abs(self.arg("expansion") - 1.0) > 1e-6:
        raise ValueError("SuperResK1DW: expansion must be 1")


SuperResK1DW.validate = _k1dw_validate  # type: ignore[method-assign]
GENET_BLOCKS.register("ResBlock", GENetResBlock, module=__name__)


__all__ = ["GENET_BLOCKS", "GENetResBlock", "GENetSuperRes", "GENetUnit", "SHARED_WITH_ZEN", "SuperResK1DW",
           "SuperResK1DWK1", "SuperResK1KX", "SuperResK1KXK1", "SuperResKXKX"]
