"""Gather-Excite WideResNets for CIFAR (Hu et al., NeurIPS 2018, arXiv 1810.12348; seed 004).

Seed 004 is the Ascend port of BayesWatch/pytorch-GENet (commit 3fbf99fb): a WRN whose basic blocks
carry a Gather-Excite operator on the residual branch.  Its training script's defaults are WRN-16-8
with extent 0 (global), ``extra_params=False``, ``mlp=False``, i.e. GE-theta-minus global; seed 004
reports CIFAR-10 top-1 94.76 (1 GPU), 94.81 (8 GPU), 94.73 (1 NPU), 95.23 (8 NPU) after 300 epochs.
(Identifiers say GatherExcite / GE -- "GENet" is reserved for GPU-Efficient Networks.)

The networks are written as structure strings of ZEN tokens + GE tokens, reproducing the reference
``WideResNet`` / ``GEBlock`` layout exactly (pre-activation WRN):

* stem ConvKX(3, 16, 3, 1);
* 3 stages of n = (depth - 4) / 6 blocks, widths 16k, 32k, 64k, strides 1, 2, 2, GE map sizes 32, 16, 8;
* block with in != out: BN(in) RELU, then MultiSumBlock( ConvKX(in,out,3,s) BN RELU ConvKX(out,out,3,1)
  GE ; ConvKX(in,out,1,s) ) -- the 1x1 shortcut (no bias, no BN) reads the *activated* input, as in the
  reference;
* block with in == out: ResBlock(c, 1, BN RELU ConvKX BN RELU ConvKX GE) (identity shortcut);
* final BN RELU, then the MasterNet head (global pooling + biased FC).

Dropout (dropRate 0 by default) is not modelled.  Only the default θ⁻ variant has a published top-1.
"""

from __future__ import annotations

from zennas.zoo import ZooEntry, register_zoo_entry


def _ge(variant: str, c: int, extent: int, h: int) -> str:
    if variant == "minus":
        return f"GEMinus({c},{extent})"
    return f"GE{'Theta' if variant == 'theta' else 'Plus'}({c},{extent},{h})"


def ge_wrn_structure(depth: int = 16, width: int = 8, variant: str = "minus", extent: int = 0) -> str:
    """Structure string of a Gather-Excite WRN-depth-width for 32x32 inputs."""
    if (depth - 4) % 6:
        raise ValueError("WRN depth must be 6n + 4")
    n = (depth - 4) // 6
    widths = [16 * width, 32 * width, 64 * width]
    s = "ConvKX(3,16,3,1)"
    cin, res = 16, 32
    for cout, stride in zip(widths, (1, 2, 2)):
        res_out = res // stride
        for i in range(n):
            st = stride if i == 0 else 1
            ci = cin if i == 0 else cout
            ge = _ge(variant, cout, extent, res_out)
            branch = f"ConvKX({ci},{cout},3,{st})BN({cout})RELU({cout})ConvKX({cout},{cout},3,1){ge}"
            if ci == cout and st == 1:
                s += f"ResBlock({ci},1,BN({ci})RELU({ci}){branch})"
            else:
                s += f"BN({ci})RELU({ci})MultiSumBlock({branch};ConvKX({ci},{cout},1,{st}))"
        cin, res = cout, res_out
    s += f"BN({cin})RELU({cin})"
    return s


_SRC = ("seed 004 (Ascend ModelZoo port of BayesWatch/pytorch-GENet @3fbf99fb, models/wideresnet.py + "
        "models/blocks.py GEBlock)")

register_zoo_entry(ZooEntry(
    name="gather_excite_wrn16_8_theta_minus_cifar10",
    structure=ge_wrn_structure(16, 8, "minus", 0),
    resolution=32, num_classes=10, family="GatherExcite",
    source=_SRC + "; top-1: 1-GPU run of seed 004 (8-NPU run: 95.23)",
    top1=94.76, crop=32,
))

register_zoo_entry(ZooEntry(
    name="gather_excite_wrn16_8_theta_cifar10",
    structure=ge_wrn_structure(16, 8, "theta", 0),
    resolution=32, num_classes=10, family="GatherExcite",
    source=_SRC + " with extra_params=True (GE-theta, global); no published figure",
))

register_zoo_entry(ZooEntry(
    name="gather_excite_wrn16_8_theta_plus_e2_cifar10",
    structure=ge_wrn_structure(16, 8, "plus", 2),
    resolution=32, num_classes=10, family="GatherExcite",
    source=_SRC + " with extent=2, extra_params=True, mlp=True (GE-theta-plus); no published figure",
))
