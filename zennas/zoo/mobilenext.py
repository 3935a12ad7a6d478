"""MobileNeXt-1.0 (Zhou, Hou, Chen, Feng, Yan, "Rethinking Bottleneck Structure for Efficient Mobile Network
Design", ECCV 2020, arXiv 2007.02269; seeds 001/002).

The structure string is generated from the reference implementation's layout
(yitu-opensource/MobileNeXt ``mobilenext/codebase/models/mnext.py`` @ 94ac67d2, class ``MXNet`` /
``SGBlock``), written with ZEN basic tokens plus ``RELU6`` (zennas/blocks/sandglass.py):

* stem ConvKX(3, 32, 3, 2) BN ReLU6;
* stages (t, c, n, s): (2,96,1,2) (6,144,1,1) (6,192,3,2) (6,288,3,2) (6,384,4,1) (6,576,4,2)
  (6,960,3,1) (6,1280,1,1)  -- note the reference code repeats the 960 stage 3 times (ZENNAS_SPEC §9.1
  lists 2: the code is taken as authoritative);
* SGBlock(inp, oup, s, t, keep_3x3 = (n == 1 and s == 1) for the first block of a stage):
  hidden = inp // t, raised to make_divisible(ceil(oup / 6), 16) when smaller than oup / 6;
  t == 2: DW3 BN ReLU6, PW inp->hidden BN, PW hidden->oup BN ReLU6, DW3 stride s BN;
  inp != oup, s == 1, not keep: PW BN, PW BN ReLU6 (no depthwise);
  inp != oup, s == 2, not keep: PW BN, PW BN ReLU6, DW3 stride 2 BN;
  otherwise: DW3 BN ReLU6, PW BN, PW BN ReLU6, DW3 BN, with the identity shortcut unless keep_3x3
  (identity tensor multiplier 1, i.e. a full residual, no activation after the addition);
* global average pooling, dropout 0.2 (training only), Linear(1280, 1000) with bias (MasterNet head).

Published: 74.02% ImageNet top-1 (seeds 001/002: reference 74.022%, Paddle reproduction 74.024%, 200
epochs).  The paper's headline size (~3.4M params / ~300M MAdds) is quoted from memory in the spec and
is not used as a test target; tests/test_blocks_sandglass.py derives this layout's figures by hand.
ReLU6 is kept (faithful); the Zen proxy should score it with ``score_activation_override="relu"``.
"""

from __future__ import annotations

import math

from zennas.blocks.sandglass import sandglass_tokens
from zennas.zoo import ZooEntry, register_zoo_entry

MOBILENEXT_CFG = [(2, 96, 1, 2), (6, 144, 1, 1), (6, 192, 3, 2), (6, 288, 3, 2), (6, 384, 4, 1),
                  (6, 576, 4, 2), (6, 960, 3, 1), (6, 1280, 1, 1)]


def _make_divisible(v: float, divisor: int) -> int:
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def sg_hidden(inp: int, oup: int, t: int) -> int:
    hidden = inp // t
    if hidden < oup / 6.0:
        hidden = _make_divisible(math.ceil(oup / 6.0), 16)
    return hidden


def mobilenext_structure(cfg=MOBILENEXT_CFG, stem: int = 32) -> str:
    """MobileNeXt-1.0 as a structure string (reference-code layout, see the module docstring)."""
    s = f"ConvKX(3,{stem},3,2)BN({stem})RELU6({stem})"
    inp = stem
    for t, c, n, stride in cfg:
        for i in range(n):
            st = stride if i == 0 else 1
            keep = (n == 1 and stride == 1) if i == 0 else False
            hidden = sg_hidden(inp, c, t)
            if t == 2:
                s += sandglass_tokens(inp, c, hidden, st, dw_in=True, dw_out=True, identity=False)
            elif inp != c and st == 1 and not keep:
                s += sandglass_tokens(inp, c, hidden, st, dw_in=False, dw_out=False, identity=False)
            elif inp != c and st == 2 and not keep:
                s += sandglass_tokens(inp, c, hidden, st, dw_in=False, dw_out=True, identity=False)
            else:
                s += sandglass_tokens(inp, c, hidden, 1, dw_in=True, dw_out=True, identity=not keep)
            inp = c
    return s


register_zoo_entry(ZooEntry(
    name="mobilenext_1.0_res224",
    structure=mobilenext_structure(),
    resolution=224, num_classes=1000, family="MobileNeXt", use_se=False,
    source="Zhou et al. ECCV 2020 (arXiv 2007.02269); layout of yitu-opensource/MobileNeXt mnext.py @94ac67d2; "
           "top-1 from seeds 001/002 (reference 74.022%, Paddle reproduction 74.024%)",
    top1=74.02, crop=224,
    options={"activation": "ReLU6", "score_activation_override": "relu"},
))
