"""ZEN basic blocks: convolutions, BN, activations, SE, linear, pooling (ZENNAS_SPEC §1.3, §2.2).

``h`` is the input resolution under ZEN's floor bookkeeping, ``he`` the true one (equal unless an
odd size is strided).  Formulas per block are in each ``_cost``.
"""

from __future__ import annotations

from typing import ClassVar

from zennas.block import Arg, Block, Cost, Options, conv_out
from zennas.blocks.registry import register_block


def act_mac(c: int, h: int, opts: Options) -> int:
    """MAC of an element-wise op (BN, activation): 0 when fused into its producer, else read+write."""
    return 2 * c * h * h if opts.mac_unfused else 0


@register_block
class ConvKX(Block):
    """k x k convolution, padding (k-1)//2, no bias.  FLOPs = in*out*k^2*H^2 // s^2 // g."""

    NAME = "ConvKX"
    ARGS = (Arg("in"), Arg("out"), Arg("k"), Arg("s"))
    GROUPS: ClassVar[int] = 1
    LAYER_WEIGHT = 1

    def validate(self) -> None:
        g = self.GROUPS
        if self.arg("in") % g or self.arg("out") % g:
            raise ValueError(f"{self.NAME}: in and out channels must be divisible by groups={g}")

    def out_res_exact(self, h: int) -> int:
        return conv_out(h, self.arg("k"), self.stride)

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        cin, cout, k, s = self.args
        g = self.GROUPS
        ho = self.out_res_exact(he)
        w = cin * cout * k * k // g
        return Cost(
            params=w,
            flops=cin * cout * k * k * h * h // (s * s) // g,
            exact_params=w,
            exact_macs=w * ho * ho,
            mac=cin * he * he + cout * ho * ho + w,
            peak=cin * he * he + cout * ho * ho,
        )

    def _build(self, opts: Options):
        from torch import nn

        from zennas.modules import NetBlock

        cin, cout, k, s = self.args
        return NetBlock(nn.Conv2d(cin, cout, k, s, (k - 1) // 2, groups=self.GROUPS, bias=False))


for _g in (2, 4, 8, 16, 32):
    register_block(ConvKX, name=f"ConvKXG{_g}", GROUPS=_g)


@register_block
class ConvDW(Block):
    """Depthwise k x k conv on c channels (groups = c).  FLOPs = c*k^2*H^2 // s^2."""

    NAME = "ConvDW"
    ARGS = (Arg("c"), Arg("k"), Arg("s"))
    LAYER_WEIGHT = 1

    def out_res_exact(self, h: int) -> int:
        return conv_out(h, self.arg("k"), self.stride)

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        c, k, s = self.args
        ho = self.out_res_exact(he)
        return Cost(
            params=c * k * k,
            flops=c * k * k * h * h // (s * s),
            exact_params=c * k * k,
            exact_macs=c * k * k * ho * ho,
            mac=c * he * he + c * ho * ho + c * k * k,
            peak=c * he * he + c * ho * ho,
        )

    def _build(self, opts: Options):
        from torch import nn

        from zennas.modules import NetBlock

        c, k, s = self.args
        return NetBlock(nn.Conv2d(c, c, k, s, (k - 1) // 2, groups=c, bias=False))


@register_block
class BN(Block):
    """BatchNorm2d(c).  ZEN: FLOPs c*H^2, params c (true module: 2c learnable)."""

    NAME = "BN"
    ARGS = (Arg("c"),)

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        c = self.arg("c")
        return Cost(params=c, flops=c * h * h, exact_params=2 * c, mac=act_mac(c, he, opts),
                    peak=2 * c * he * he if opts.mac_unfused else 0)

    def _build(self, opts: Options):
        from torch import nn

        from zennas.modules import NetBlock

        return NetBlock(nn.BatchNorm2d(self.arg("c"), eps=opts.bn_eps))


@register_block
class RELU(Block):
    """ReLU (the argument is informational).  Built as an ``nn.ReLU`` module so hooks see it."""

    NAME = "RELU"
    ARGS = (Arg("c"),)

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        return Cost(mac=act_mac(self.arg("c"), he, opts))

    def _build(self, opts: Options):
        from torch import nn

        return nn.ReLU()


@register_block
class Swish(Block):
    """x * sigmoid(x).  ZEN: FLOPs c*H^2, no params."""

    NAME = "Swish"
    ARGS = (Arg("c"),)

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        c = self.arg("c")
        return Cost(flops=c * h * h, mac=act_mac(c, he, opts))

    def _build(self, opts: Options):
        from zennas.modules import Swish as SwishModule

        return SwishModule()


def se_channels(c: int) -> int:
    return max(1, int(round(0.25 * c)))


@register_block
class SE(Block):
    """Squeeze-excitation on c channels, c_se = max(1, round(c/4)).

    ZEN: FLOPs 2*c*c_se + c + c*H^2; params 2*c*c_se + 2*c_se + 2*c (= true numel).
    MAC: pool C*H^2 + C, two 1x1 FCs on 1x1 maps, gate read C*H^2 + C and write C*H^2.
    """

    NAME = "SE"
    ARGS = (Arg("c"),)

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        c = self.arg("c")
        cs = se_channels(c)
        fc = 2 * c * cs
        mac = (c * he * he + c) + (c + cs + c * cs) + (cs + c + cs * c) + (c * he * he + c) + c * he * he
        return Cost(params=fc + 2 * cs + 2 * c, flops=fc + c + c * h * h, exact_params=fc + 2 * cs + 2 * c,
                    exact_macs=fc, mac=mac, peak=2 * c * he * he)

    def _build(self, opts: Options):
        from torch import nn

        from zennas.modules import SEModule

        c = self.arg("c")
        cs = se_channels(c)
        return SEModule(nn.Sequential(
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Conv2d(c, cs, 1, 1, 0, bias=False), nn.BatchNorm2d(cs, eps=opts.bn_eps), nn.ReLU(),
            nn.Conv2d(cs, c, 1, 1, 0, bias=False), nn.BatchNorm2d(c, eps=opts.bn_eps), nn.Sigmoid(),
        ))


@register_block
class Linear(Block):
    """Fully connected in -> out.  ZEN: FLOPs in*out, params in*out + (1 if bias)."""

    NAME = "Linear"
    EXAMPLE = "Sequential(AdaptiveAvgPool(32,1)Flatten(32)Linear(32,10,1))"
    ARGS = (Arg("in"), Arg("out"), Arg("bias", min=0))

    def validate(self) -> None:
        if self.arg("bias") not in (0, 1):
            raise ValueError("Linear: bias must be 0 or 1")

    def out_res(self, h: int) -> int:
        return 1

    def out_res_exact(self, h: int) -> int:
        return 1

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        cin, cout, bias = self.args
        return Cost(params=cin * cout + bias, flops=cin * cout, exact_params=cin * cout + bias * cout,
                    exact_macs=cin * cout, mac=cin + cout + cin * cout + bias * cout, peak=cin + cout)

    def _build(self, opts: Options):
        from torch import nn

        from zennas.modules import NetBlock

        cin, cout, bias = self.args
        return NetBlock(nn.Linear(cin, cout, bias=bool(bias)))


@register_block
class AdaptiveAvgPool(Block):
    """Adaptive average pooling to output_size x output_size.  No FLOPs in ZEN."""

    NAME = "AdaptiveAvgPool"
    ARGS = (Arg("c"), Arg("output_size"))

    def out_res(self, h: int) -> int:
        return self.arg("output_size")

    def out_res_exact(self, h: int) -> int:
        return self.arg("output_size")

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        c, o = self.args
        return Cost(mac=c * he * he + c * o * o, peak=c * he * he + c * o * o)

    def _build(self, opts: Options):
        from torch import nn

        return nn.AdaptiveAvgPool2d(self.arg("output_size"))


@register_block
class MaxPool(Block):
    """Max pooling k x k, stride s, padding (k-1)//2.  No FLOPs in ZEN."""

    NAME = "MaxPool"
    ARGS = (Arg("c"), Arg("k"), Arg("s"))

    def out_res_exact(self, h: int) -> int:
        return conv_out(h, self.arg("k"), self.stride)

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        c = self.arg("c")
        ho = self.out_res_exact(he)
        return Cost(mac=c * he * he + c * ho * ho, peak=c * he * he + c * ho * ho)

    def _build(self, opts: Options):
        from torch import nn

        c, k, s = self.args
        return nn.MaxPool2d(k, s, (k - 1) // 2)


@register_block
class Flatten(Block):
    """Flatten from dim 1 (resolution becomes 1)."""

    NAME = "Flatten"
    EXAMPLE = "Sequential(AdaptiveAvgPool(32,1)Flatten(32))"
    ARGS = (Arg("c"),)

    def out_res(self, h: int) -> int:
        return 1

    def out_res_exact(self, h: int) -> int:
        return 1

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        return Cost()

    def _build(self, opts: Options):
        from zennas.modules import Flatten as FlattenModule

        return FlattenModule()


@register_block
class PlainNetBasicBlockClass(Block):
    """Abstract placeholder token of ZEN (in, out, s); parses and costs nothing, forward raises."""

    NAME = "PlainNetBasicBlockClass"
    FORWARD = False
    ARGS = (Arg("in"), Arg("out"), Arg("s"))

    def _cost(self, h: int, he: int, opts: Options) -> Cost:
        return Cost()

    def _build(self, opts: Options):
        from zennas.modules import Unbuildable

        return Unbuildable()
