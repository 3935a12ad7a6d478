"""BN folding (numerically, and only where it is valid) and TorchScript / ONNX export with parity checks.

The artefacts are reloaded here with torch.jit.load and onnxruntime and compared with the torch model on
real digit images, independently of the exporter's own parity report.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from tests.trained import cached_digits_run, normalise
from zennas.checkpoint import model_from_checkpoint
from zennas.data.digits import digits_arrays, split_indices
from zennas.export import conv_bn_pairs, export_model, fold_batchnorm
from zennas.masternet import MasterNet


def randomise_bn(model: nn.Module, seed: int = 0) -> nn.Module:
    """Non-trivial running statistics and affine parameters (fresh BNs fold to almost the identity)."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.rand(c, generator=g) * 2 - 1)
            m.running_var.copy_(torch.rand(c, generator=g) * 2 + 0.3)
            m.weight.data.copy_(torch.rand(c, generator=g) + 0.5)
            m.bias.data.copy_(torch.rand(c, generator=g) - 0.5)
    return model.eval()


@pytest.mark.parametrize("structure", [
    "SuperConvK3BNRELU(3,8,2,1)SuperResK3K3(8,16,2,8,1)SuperResK1K5K1(16,24,1,8,2)SuperConvK1BNRELU(24,32,1,1)",
    "SuperConvK3BNRELU(3,8,2,1)SuperResIDWE4K5(8,16,2,16,2)SuperConvK1BNRELU(16,32,1,1)",
])
@pytest.mark.parametrize("use_se", [False, True])
def test_folding_matches_the_unfolded_eval_model(structure, use_se):
    torch.manual_seed(0)
    m = randomise_bn(MasterNet(structure, 7, use_se=use_se))
    x = torch.randn(3, 3, 24, 24)
    folded, n = fold_batchnorm(m, x)
    n_bn = sum(isinstance(q, nn.BatchNorm2d) for q in m.modules())
    assert n == n_bn and not any(isinstance(q, nn.BatchNorm2d) for q in folded.modules())
    with torch.no_grad():
        ref, got = m(x), folded(x)
    assert (got - ref).abs().max() <= 1e-5 * ref.abs().max()
    assert any(isinstance(q, nn.BatchNorm2d) for q in m.modules())  # the original is untouched


def test_folding_matches_the_closed_form_on_one_pair():
    conv, bn = nn.Conv2d(3, 4, 3, bias=True), nn.BatchNorm2d(4, eps=1e-3)
    net = randomise_bn(nn.Sequential(conv, bn))
    folded, n = fold_batchnorm(net, torch.randn(2, 3, 8, 8))
    s = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    assert n == 1 and isinstance(folded[1], nn.Identity)
    assert torch.allclose(folded[0].weight, conv.weight * s[:, None, None, None])
    assert torch.allclose(folded[0].bias, (conv.bias - bn.running_mean) * s + bn.bias)


class _Shared(nn.Module):
    """conv output used by BN and by a residual add; a BN after ReLU (pre-activation); a BN applied twice."""

    def __init__(self) -> None:
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.c2, self.b2 = nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.c3, self.b3 = nn.Conv2d(8, 8, 1), nn.BatchNorm2d(8)

    def forward(self, x):
        y = self.c1(x)
        y = self.b1(y) + y  # conv output has two users: must not fold
        y = self.b2(torch.relu(self.c2(y)))  # BN reads a ReLU: must not fold
        z = self.c3(y)
        return self.b3(z) + self.b3(z * 2)  # BN called twice: must not fold


def test_folding_leaves_invalid_pairs_alone():
    m = randomise_bn(_Shared())
    x = torch.randn(2, 3, 8, 8)
    assert conv_bn_pairs(m, x) == []
    folded, n = fold_batchnorm(m, x)
    with torch.no_grad():
        assert n == 0 and torch.equal(folded(x), m(x))


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    return cached_digits_run(tmp_path_factory)


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
def test_export_torchscript_and_onnx_match_torch_within_1e4(digits, tmp_path):
    import onnxruntime as ort

    model, spec, pre, _ = model_from_checkpoint(digits.checkpoint)
    model.eval()
    rep = export_model(model, tmp_path / "digits", input_size=(3, 32, 32), metadata={"preprocess": pre.to_dict()})
    assert rep.ok and rep.folded_bn == 8 and rep.remaining_bn == 0
    img, y = digits_arrays(32)
    _, va = split_indices(y)
    x = normalise(img[va[:50]], pre)
    with torch.no_grad():
        ref = model(x)
        ts = torch.jit.load(rep.files["torchscript"])(x)
    sess = ort.InferenceSession(rep.files["onnx"], providers=["CPUExecutionProvider"])
    onnx_out = sess.run(None, {"input": x.numpy()})[0]  # batch 50: the ONNX batch axis is dynamic
    assert (ts - ref).abs().max() < 1e-4
    assert np.abs(onnx_out - ref.numpy()).max() < 1e-4
    assert (onnx_out.argmax(1) == ref.argmax(1).numpy()).all()
    # the exported graphs really contain no BatchNorm
    import onnx

    ops = {n.op_type for n in onnx.load(rep.files["onnx"]).graph.node}
    assert "BatchNormalization" not in ops and "Conv" in ops
    report = json.loads((tmp_path / "digits.json").read_text())
    assert report["ok"] and report["preprocess"]["class_names"] == pre.class_names
    assert max(report["max_abs_diff"].values()) < 1e-4


def test_export_cli_prints_parity_and_rejects_bad_input(digits, tmp_path, capsys):
    from zennas.cli.export import main

    out = tmp_path / "e" / "model"
    assert main(["--weights", str(digits.checkpoint), "--out", str(out), "--formats", "onnx"]) == 0
    text = capsys.readouterr().out
    assert "folded 8 BatchNorm layers" in text and f"onnx: {out}.onnx" in text and "vs the torch model" in text
    assert main(["--weights", str(digits.checkpoint), "--out", str(out), "--formats", "tflite"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown export format" in err[0]
    assert main(["--weights", str(tmp_path / "missing.pth")]) == 2
    assert "checkpoint not found" in capsys.readouterr().err


def test_export_from_a_structure_with_pt2(tmp_path, capsys):
    from zennas.cli.export import main

    s = "SuperConvK3BNRELU(3,8,2,1)SuperResK3K3(8,16,2,8,1)SuperConvK1BNRELU(16,32,1,1)"
    torch.manual_seed(0)
    w = tmp_path / "w.pth"
    torch.save(randomise_bn(MasterNet(s, 5)).state_dict(), w)
    assert main(["--plainnet_struct", s, "--num_classes", "5", "--input_image_size", "16", "--pretrained", str(w),
                 "--out", str(tmp_path / "s"), "--formats", "torchscript,pt2", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["ok"] and set(rep["files"]) == {"torchscript", "pt2"} and rep["input_size"] == [3, 16, 16]
    prog = torch.export.load(rep["files"]["pt2"]).module()
    m = MasterNet(s, 5)
    m.load_state_dict(torch.load(w, weights_only=True))
    x = torch.randn(3, 3, 16, 16)
    with torch.no_grad():
        assert (prog(x) - m.eval()(x)).abs().max() < 1e-4
