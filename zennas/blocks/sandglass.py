"""Sandglass block -- MobileNeXt (Zhou, Hou, Chen, Feng, Yan, ECCV 2020, arXiv 2007.02269; ZENNAS_SPEC §9.1).

The inverted residual flipped: depthwise convs at the two *wide* ends, the channel reduction and
expansion by two pointwise convs in the middle, the shortcut between the wide tensors.

Tokens registered here:

* ``RELU6(c)`` -- ReLU6 (MobileNeXt's activation).  **Zen-score caution** (§9): ReLU6 clips the huge
  activations of the unit-variance scoring network; every ``RELU6`` builds a plain ``nn.ReLU`` when the
  options carry ``score_activation_override="relu"`` (``Options().evolve(score_activation_override=
  "relu")``), which the Zen-score proxy should set for the networks it scores.  Costs are ReLU's (0).
* ``PartialResBlock(in, s, blocks...)`` -- residual container (same body form as ``ResBlock``) whose
  identity shortcut is added to the first round(gamma * C) channels only (MobileNeXt's identity tensor
  multiplier gamma, option extra ``identity_multiplier``, default 1 = plain residual).  It requires
  in = out and stride 1.  MAC of the addition: 3 * round(gamma * C) * H^2.  ``no_reslink`` drops the
  addition.
* ``SuperResSGK{3,5,7}(in, out, s, B, L)`` -- the searchable sandglass family (PROPOSAL §9.1): ONE
  sandglass unit per sub-layer, stride on the last depthwise conv of the first unit, B = reduced width:
  ConvDW(c, k, 1) BN ReLU [SE(c)] -> ConvKX(c, B, 1) BN (linear) -> ConvKX(B, out, 1) BN ReLU ->
  ConvDW(out, k, s_i) BN (linear) [GE(out) with use_ge].  Shortcut: PartialResBlock (identity, gamma)
  when s_i = 1 and c = out; otherwise none as in the paper, or a ResBlockProj projection (1x1 + BN) with
  the option extra ``sg_projection=True`` (ZEN-style).  No activation after the addition (paper).
  Activations are ReLU; ``sg_relu6=True`` makes them ReLU6 (honouring ``score_activation_override``).

Exact cost of the full unit (§9.1): MACs = H^2 (9 C_in + C_in M + M C_out) + 9 C_out Ho^2 (k = 3),
params = 9 C_in + C_in M + M C_out + 9 C_out + BN 2 (C_in + M + 2 C_out).
"""

from __future__ import annotations

from typing import ClassVar

from zennas.block import Arg, Block, Cost, Options, SuperBlock, chain_cost
from zennas.blocks.basic import RELU, ConvDW, ConvKX
from zennas.blocks.containers import ResBlock, ResBlockProj
from zennas.blocks.gather_excite import ge_blocks
from zennas.blocks.registry import register_block
from zennas.blocks.super_blocks import SUPER_RES_ARGS, bn, se


def score_relu(opts: Options) -> bool:
    """True when saturating activations must be built as plain ReLU (Zen-score networks)."""
    v = opts.get("score_activation_override")
    return str(v).lower() == "relu" if v else False


@register_block
class RELU6(Block):
    """``RELU6(c)``: min(max(x, 0), 6); plain ReLU under ``score_activation_override="relu"``."""

    NAME = "RELU6"
    ARGS = (Arg("c"),)
    EXAMPLE = "RELU6(8)"

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        return RELU(self.arg("c")).cost(h, opts, he)

    def _build(self, opts: Options):
        from torch import nn

        return nn.ReLU() if score_relu(opts) else nn.ReLU6()


def identity_channels(c: int, opts: Options) -> int:
    g = float(opts.get("identity_multiplier", 1.0) or 1.0)
    if not 0.0 < g <= 1.0:
        raise ValueError(f"identity_multiplier must be in (0, 1], got {g}")
    return max(1, min(c, int(round(g * c))))


@register_block
class PartialResBlock(ResBlock):
    """Identity residual on the first round(gamma*C) channels (gamma = option ``identity_multiplier``)."""

    NAME = "PartialResBlock"
    EXAMPLE = "PartialResBlock(16,1,ConvDW(16,3,1)BN(16))"

    def validate(self) -> None:
        if self.args[1] != 1 or self.children[-1].out_channels != self.args[0]:
            raise ValueError("PartialResBlock needs stride 1 and in = out channels (identity shortcut)")

    @property
    def has_projection(self) -> bool:
        return False

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        inner, _, hoe = chain_cost(self.children, h, he, opts)
        if opts.no_reslink:
            return inner
        return inner + Cost(mac=3 * identity_channels(self.out_channels, opts) * hoe * hoe)

    def _build(self, opts: Options):
        from zennas.extra_modules import PartialResidualBlock
        from zennas.modules import SequentialBlock

        mods = [c.build(opts) for c in self.children]
        if opts.no_reslink:
            return SequentialBlock(mods)
        return PartialResidualBlock(mods, identity_channels(self.out_channels, opts))


class SuperResSGKX(SuperBlock):
    """Sandglass super block ``SuperResSGK{k}(in, out, s, B, L)`` (see the module docstring)."""

    ARGS = SUPER_RES_ARGS
    K: ClassVar[int] = 3

    def _act(self, c: int, opts: Options) -> Block:
        return RELU6(c) if opts.get("sg_relu6") else RELU(c)

    def _unit(self, ci: int, cout: int, b: int, si: int, opts: Options) -> list[Block]:
        k = self.K
        return [ConvDW(ci, k, 1), *bn(ci, opts), self._act(ci, opts), *se(ci, opts),
                ConvKX(ci, b, 1, 1), *bn(b, opts),
                ConvKX(b, cout, 1, 1), *bn(cout, opts), self._act(cout, opts),
                ConvDW(cout, k, si), *bn(cout, opts), *ge_blocks(cout, opts)]

    def expand(self, opts: Options) -> list[Block]:
        cin, cout, s, b, L = self.args
        out: list[Block] = []
        for i in range(L):
            ci, si = (cin, s) if i == 0 else (cout, 1)
            body = self._unit(ci, cout, b, si, opts)
            if opts.no_reslink:
                out += body
            elif si == 1 and ci == cout:
                out.append(PartialResBlock(ci, 1, children=body))
            elif opts.get("sg_projection"):
                out.append(ResBlockProj(ci, si, children=body))
            else:
                out += body
        return out


for _k in (3, 5, 7):
    register_block(SuperResSGKX, name=f"SuperResSGK{_k}", K=_k, EXAMPLE=f"SuperResSGK{_k}(16,16,2,8,2)")


def sandglass_tokens(cin: int, cout: int, hidden: int, s: int, *, dw_in: bool, dw_out: bool, identity: bool,
                     act: str = "RELU6", k: int = 3) -> str:
    """Structure-string of one MobileNeXt SGBlock as written by the reference code (used by the zoo).

    [ConvDW(cin) BN act] ConvKX(cin, hidden, 1) BN ConvKX(hidden, cout, 1) BN act [ConvDW(cout, s) BN],
    wrapped in ``ResBlock(cin,1,...)`` when ``identity``.
    """
    t = ""
    if dw_in:
        t += f"ConvDW({cin},{k},1)BN({cin}){act}({cin})"
    t += f"ConvKX({cin},{hidden},1,1)BN({hidden})ConvKX({hidden},{cout},1,1)BN({cout}){act}({cout})"
    if dw_out:
        t += f"ConvDW({cout},{k},{s})BN({cout})"
    if identity:
        if cin != cout or s != 1:
            raise ValueError("an identity sandglass block needs cin == cout and stride 1")
        t = f"ResBlock({cin},1,{t})"
    return t


__all__ = ["PartialResBlock", "RELU6", "SuperResSGKX", "identity_channels", "sandglass_tokens", "score_relu"]
