"""Gather-Excite attention (Hu, Shen, Albanie, Sun, Vedaldi, NeurIPS 2018, arXiv 1810.12348; ZENNAS_SPEC §9.2).

Identifiers are ``GatherExcite`` / ``GE*`` -- never "GENet", which in this project means the unrelated
GPU-Efficient Networks (``zennas.genet``).

Tokens (extent ``e``: 0 = global, or 2 / 4 / 8; ``H`` = resolution of the feature map the block is
applied to, needed because the global GE-theta kernel covers the whole map):

* ``GEMinus(c, e)``    -- GE-theta-minus, parameter-free gather: average pooling (global, or adaptive
  pooling to H // e as in BayesWatch/pytorch-GENet ``nn.AdaptiveAvgPool2d(spatial // extent)``).
* ``GETheta(c, e, H)`` -- GE-theta, parametric gather: global -> one depthwise H x H conv (no padding) +
  BN; extent e -> log2(e) depthwise 3x3 stride-2 convs (padding 1), each + BN, ReLU between them (not
  after the last).  ``H`` is required (>= 1) for e = 0 and informational (may be 0) otherwise.
* ``GEPlus(c, e, H)``  -- GE-theta-plus: GE-theta followed by a channel MLP on the gathered map:
  1x1 c -> max(1, c // 16), ReLU, 1x1 back to c (no biases).

Excite (all variants): nearest-neighbour upsampling of the gathered map to H x H, sigmoid, element-wise
multiplication with the input.  Output shape = input shape.

Costs (``h`` = input resolution, ``g`` = gathered resolution):

* ``params`` (zen) = ``exact_params`` = numel of the module (BN counts 2 per channel, as ZEN's SE does).
* ``flops`` (zen) = conv/MLP multiply-accumulates + one op per BN output + c*h^2 for the gating
  multiply (the same convention ZEN uses for SE: its c*H^2 term).
* ``exact_macs`` = conv/MLP multiply-accumulates only.
* ``mac`` (ZENNAS_SPEC §9.6): gather by the pooling / conv rules, MLP by the 1x1-conv rule, excite =
  read c*g^2 + c*h^2, write c*h^2.

``use_ge`` option (mirrors ``use_se``): ``Options().evolve(use_ge="theta:2")`` -- value
``"<variant>[:<extent>]"`` with variant ``minus|theta|plus`` and extent ``global|0|2|4|8`` (default
global).  Families that honour it append the GE block to every residual unit's branch output, before
the addition (SuperResGS*, SuperResSG* here; the ZEN families need the one-line change described in
:func:`ge_blocks`).  Global GE-theta/plus cannot be inserted by the flag because a super block does not
know its resolution when it expands; write explicit ``GETheta(c,0,H)`` tokens instead.
"""

from __future__ import annotations

from typing import ClassVar

from zennas.block import Arg, Block, Cost, Options, conv_out
from zennas.blocks.registry import register_block

EXTENTS = (0, 2, 4, 8)
VARIANTS = ("minus", "theta", "plus")

def mlp_channels(c: int) -> int:
    """Hidden width of the GE-theta-plus MLP: c // 16 (BayesWatch), at least 1."""
    return max(1, c // 16)

def _log2(e: int) -> int:
    return {2: 1, 4: 2, 8: 3}[e]

class GatherExcite(Block):
    """Common implementation of the three GE variants (unregistered base)."""

    VARIANT: ClassVar[str] = "minus"
    ARGS = (Arg("c"), Arg("e", min=0), Arg("H", min=0))

    def validate(self) -> None:
        e = self.arg("e")
        if e not in EXTENTS:
            raise ValueError(f"{self.NAME}: extent must be one of {EXTENTS} (0 = global), got {e}")
        if self.VARIANT != "minus" and e == 0 and self.arg("H") < 1:
            raise ValueError(f"{self.NAME}: a global GE-theta gather needs the feature resolution H >= 1")

    @property
    def extent(self) -> int:
        return self.arg("e")

    # ---- gather geometry ----------------------------------------------------------------------------
    def _gather_convs(self, h: int) -> list[tuple[int, int, int]]:
        """(kernel, input res, output res) of each depthwise gather conv at input resolution h."""
        e = self.extent
        if self.VARIANT == "minus":
            return []
        if e == 0:
            H = self.arg("H")
            return [(H, h, max(0, h - H + 1))]
        out = []
        for _ in range(_log2(e)):
            ho = conv_out(h, 3, 2)
            out.append((3, h, ho))
            h = ho
        return out

    def gathered_res(self, h: int) -> int:
        if self.VARIANT == "minus":
            return 1 if self.extent == 0 else max(1, h // self.extent)
        convs = self._gather_convs(h)
        return convs[-1][2]

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        c = self.arg("c")
        total = Cost()
        for (k, _hi, ho), (_, hie, hoe) in zip(self._gather_convs(h), self._gather_convs(he)):
            w = c * k * k
            total = total + Cost(
                params=w + 2 * c, flops=w * ho * ho + c * ho * ho, exact_params=w + 2 * c,
                exact_macs=w * hoe * hoe, mac=c * hie * hie + c * hoe * hoe + w,
            )
        g, ge = self.gathered_res(h), self.gathered_res(he)
        if self.VARIANT == "minus":
            total = total + Cost(mac=c * he * he + c * ge * ge)  # pooling reads input, writes gathered map
        if self.VARIANT == "plus":
            cm = mlp_channels(c)
            w = 2 * c * cm
            total = total + Cost(params=w, flops=w * g * g, exact_params=w, exact_macs=w * ge * ge,
                                 mac=(c * ge * ge + cm * ge * ge + c * cm) + (cm * ge * ge + c * ge * ge + cm * c))
        # excite: upsample + sigmoid + gate; ZEN-style FLOPs count the gating multiply (like SE's c*H^2)
        total = total + Cost(flops=c * h * h, mac=c * ge * ge + 2 * c * he * he, peak=2 * c * he * he)
        return total

    def _build(self, opts: Options):
        from torch import nn

        from zennas.extra_modules import AdaptivePoolByExtent, GatherExciteModule

        c, e = self.arg("c"), self.extent
        if self.VARIANT == "minus":
            gather: nn.Module = nn.AdaptiveAvgPool2d(1) if e == 0 else AdaptivePoolByExtent(e)
        elif e == 0:
            H = self.arg("H")
            gather = nn.Sequential(nn.Conv2d(c, c, H, 1, 0, groups=c, bias=False), nn.BatchNorm2d(c, eps=opts.bn_eps))
        else:
            layers: list[nn.Module] = []
            n = _log2(e)
            for j in range(n):
                layers += [nn.Conv2d(c, c, 3, 2, 1, groups=c, bias=False), nn.BatchNorm2d(c, eps=opts.bn_eps)]
                if j < n - 1:
                    layers.append(nn.ReLU())
            gather = nn.Sequential(*layers)
        mlp = None
        if self.VARIANT == "plus":
            cm = mlp_channels(c)
            mlp = nn.Sequential(nn.Conv2d(c, cm, 1, 1, 0, bias=False), nn.ReLU(), nn.Conv2d(cm, c, 1, 1, 0, bias=False))
        return GatherExciteModule(gather, mlp)

@register_block
class GEMinus(GatherExcite):
    """GE-theta-minus ``GEMinus(c, e)``: parameter-free average-pool gather (see module docstring)."""

    NAME = "GEMinus"
    VARIANT = "minus"
    ARGS = (Arg("c"), Arg("e", min=0))
    EXAMPLE = "GEMinus(16,2)"

    def validate(self) -> None:
        if self.arg("e") not in EXTENTS:
            raise ValueError(f"GEMinus: extent must be one of {EXTENTS} (0 = global), got {self.arg('e')}")

@register_block
class GETheta(GatherExcite):
    """GE-theta ``GETheta(c, e, H)``: depthwise-conv gather (see module docstring)."""

    NAME = "GETheta"
    VARIANT = "theta"
    EXAMPLE = "GETheta(16,0,16)"

@register_block
class GEPlus(GatherExcite):
    """GE-theta-plus ``GEPlus(c, e, H)``: GE-theta + channel MLP (see module docstring)."""

    NAME = "GEPlus"
    VARIANT = "plus"
    EXAMPLE = "GEPlus(32,4,16)"

def parse_use_ge(value) -> tuple[str, int] | None:
    """``use_ge`` option value -> (variant, extent) or None when off.

    Accepts ``"minus"``, ``"theta:2"``, ``"plus:4"``, ``"minus:global"``, or a (variant, extent) tuple.
    """
    if value in (None, False, "", "none", "off"):
        return None
    if isinstance(value, (tuple, list)):
        variant, ext = value
    else:
        variant, _, ext = str(value).partition(":")
    variant = str(variant).strip().lower()
    if variant in ("theta-", "theta_minus", "thetaminus"):
        variant = "minus"
    if variant in ("theta+", "theta_plus", "thetaplus"):
        variant = "plus"
    ext_s = str(ext).strip().lower() if ext not in (None, "") else "global"
    e = 0 if ext_s in ("global", "g", "0") else int(ext_s)
    if variant not in VARIANTS or e not in EXTENTS:
        raise ValueError(f"use_ge={value!r}: expected '<minus|theta|plus>[:<global|2|4|8>]'")
    if variant != "minus" and e == 0:
        raise ValueError(
            f"use_ge={value!r}: a global GE-theta/GE-theta-plus gather needs the feature resolution, which a "
            "super block does not know when it expands; use an extent (2/4/8), GE-theta-minus, or explicit "
            "GETheta(c,0,H) tokens")
    return variant, e

def ge_blocks(c: int, opts: Options) -> list[Block]:
    """Blocks the ``use_ge`` option inserts on a residual branch output of width ``c`` (empty when off).

    This is the whole integration a super-block family needs: append ``*ge_blocks(cout, opts)`` to the
    end of each unit body (after its last BN, before the ResBlock addition), exactly where ``se()`` is
    appended for SE.  E.g. in zennas/blocks/res_k1kxk1.py ``_unit``: ``..., ConvKX(b, cout, 1, 1),
    *bn(cout, opts), *ge_blocks(cout, opts)]``.
    """
    spec = parse_use_ge(opts.get("use_ge"))
    if spec is None:
        return []
    variant, e = spec
    if variant == "minus":
        return [GEMinus(c, e)]
    if variant == "theta":
        return [GETheta(c, e, 0)]
    return [GEPlus(c, e, 0)]

__all__ = ["GEMinus", "GEPlus", "GETheta", "GatherExcite", "ge_blocks", "mlp_channels", "parse_use_ge"]
