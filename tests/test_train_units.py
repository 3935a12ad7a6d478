"""Pieces of the training engine: no-decay groups, init rules, BN options, losses, precision mapping, EMA,
optimizers, gradient accumulation, the torchvision stage-feature adapter."""

from __future__ import annotations

import logging
import math

import pytest
import torch
from test_train_schedule import tiny_bundle
from torch import nn

from zennas.masternet import MasterNet
from zennas.train import build_config
from zennas.train.config import OptimOptions, PrecisionOptions
from zennas.train.ema import ModelEMA
from zennas.train.engine import Trainer
from zennas.train.init import MSRA_PRELU_GAIN, init_weights, set_bn_options
from zennas.train.losses import Criterion, soft_cross_entropy
from zennas.train.optim import build_optimizer, param_groups
from zennas.train.precision import cpu_has_native_bf16, precision_plan, resolve_precision

NO_PROJ = "SuperConvK3BNRELU(3,8,2,1)SuperResK3K3(8,8,1,8,1)SuperConvK1BNRELU(8,32,1,1)"  # + no_BN, no_reslink: BN-free
RES = "SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,2,8,2)SuperConvK1BNRELU(16,32,1,1)"


def test_no_weight_decay_on_bn_and_biases():
    m = MasterNet(RES, 10)
    decay, no_decay = param_groups(m, 5e-4)
    convs_fcs = [mod.weight for mod in m.modules() if isinstance(mod, (nn.Conv2d, nn.Linear))]
    assert {id(p) for p in decay["params"]} == {id(p) for p in convs_fcs}
    assert decay["weight_decay"] == 5e-4 and no_decay["weight_decay"] == 0.0
    bn_and_bias = [p for mod in m.modules() for n, p in mod.named_parameters(recurse=False)
                   if isinstance(mod, nn.BatchNorm2d) or n == "bias"]
    assert {id(p) for p in no_decay["params"]} == {id(p) for p in bn_and_bias}
    assert len(decay["params"]) + len(no_decay["params"]) == len(list(m.parameters()))


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "adadelta", "rmsprop"])
def test_every_optimizer_builds_and_steps(name):
    m = nn.Linear(4, 2)
    o = build_optimizer(param_groups(m, 1e-4), OptimOptions(optimizer=name, nesterov=name == "sgd"), 0.1)
    m(torch.randn(3, 4)).sum().backward()
    o.step()
    assert o.param_groups[0]["lr"] == 0.1
    if name == "sgd":
        assert o.defaults["nesterov"] and o.defaults["momentum"] == 0.9
    if name == "rmsprop":
        assert o.defaults["alpha"] == 0.9


def test_custom_init_zeroes_last_bn_of_residual_branches_and_msra_std():
    torch.manual_seed(0)
    m = MasterNet(RES, 10)
    init_weights(m, "custom")
    from zennas.modules import ResidualBlock

    res = [b for b in m.modules() if isinstance(b, ResidualBlock)]
    assert res
    for r in res:
        bns = [mod for mod in r.module_list.modules() if isinstance(mod, nn.BatchNorm2d)]
        assert torch.all(bns[-1].weight == 0) and torch.all(bns[0].weight == 1)
    big = nn.Linear(400, 300)
    init_weights(nn.Sequential(big), "MSRAPrelu")
    assert big.weight.std().item() == pytest.approx(MSRA_PRELU_GAIN * math.sqrt(2 / 700), rel=0.03)
    conv = nn.Conv2d(64, 64, 3)
    init_weights(nn.Sequential(conv), "zero", zero_scale=1e-4)
    assert conv.weight.std().item() == pytest.approx(1e-4 / math.sqrt(64 * 9), rel=0.05)
    with pytest.raises(ValueError, match="init_parameters"):
        init_weights(nn.Sequential(nn.Linear(2, 2)), "custom")


def test_bn_options():
    m = MasterNet(RES, 10)
    n = set_bn_options(m, 0.01, 1e-5)
    bns = [b for b in m.modules() if isinstance(b, nn.BatchNorm2d)]
    assert n == len(bns) > 0 and all(b.momentum == 0.01 and b.eps == 1e-5 for b in bns)


def test_label_smoothing_and_mixup_targets():
    torch.manual_seed(0)
    x, y = torch.randn(8, 3, 4, 4), torch.arange(8) % 4
    xs, t = Criterion(4, label_smoothing=True).prepare(x, y)
    assert torch.equal(xs, x)
    assert torch.allclose(t[0], torch.tensor([0.9 + 0.025, 0.025, 0.025, 0.025]))
    xm, tm = Criterion(4, label_smoothing=True, mixup=True).prepare(x, y)
    assert torch.allclose(tm.sum(1), torch.ones(8)) and not torch.equal(xm, x)
    # mixed inputs are lam * x + (1 - lam) * x[perm]: recover lam from the targets and check one row
    lam = (tm[0] - 0.025).max().item() / 0.9
    logits = torch.randn(8, 4)
    want = -(tm * torch.log_softmax(logits, 1)).sum(1).mean()
    assert soft_cross_entropy(logits, tm).item() == pytest.approx(want.item())
    assert 0 <= lam <= 1
    plain_x, plain_t = Criterion(4).prepare(x, y)
    assert plain_t is y


def test_apex_flags_map_onto_torch_amp_and_say_so_once(caplog):
    with caplog.at_level(logging.INFO, logger="zennas.train"):
        p = resolve_precision(PrecisionOptions(apex=True), torch.device("cpu"))
    lines = [r.getMessage() for r in caplog.records if "apex" in r.getMessage()]
    assert len(lines) == 1 and "torch.amp" in lines[0] and "NVIDIA apex is not used" in lines[0]
    assert p.dtype == (torch.bfloat16 if cpu_has_native_bf16() else None)
    assert resolve_precision(PrecisionOptions(apex=True, apex_opt_level="O0"), torch.device("cpu")).dtype is None
    f = resolve_precision(PrecisionOptions(fp16=True), torch.device("cpu"))
    assert f.dtype == torch.float16 and f.scaler.is_enabled()
    # on CUDA: float16 autocast with the given loss scale; on CPU: bf16 only where it is native
    assert precision_plan(PrecisionOptions(apex=True, apex_loss_scale="128"), "cuda", False)[:2] == (torch.float16, "128")
    assert precision_plan(PrecisionOptions(apex=True), "cuda", False)[:2] == (torch.float16, "dynamic")
    assert precision_plan(PrecisionOptions(apex=True), "cpu", False)[0] is None
    assert precision_plan(PrecisionOptions(apex=True), "cpu", True)[0] == torch.bfloat16
    assert precision_plan(PrecisionOptions(bf16=True), "cuda", False)[:2] == (torch.bfloat16, None)
    assert resolve_precision(PrecisionOptions(bf16=True, channels_last=True), torch.device("cpu")).memory_format \
        == torch.channels_last


def test_ema_update_formula():
    m = nn.Linear(2, 1, bias=False)
    nn.init.zeros_(m.weight)
    ema = ModelEMA(m, decay=0.5)
    with torch.no_grad():
        m.weight.fill_(1.0)
    ema.update(m)  # d_1 = min(0.5, 2/11) = 2/11
    assert ema.module.weight[0, 0].item() == pytest.approx(1 - 2 / 11)
    ema.update(m)  # d_2 = min(0.5, 3/12) = 0.25
    assert ema.module.weight[0, 0].item() == pytest.approx(1 - (2 / 11) * 0.25)


def _run(tmp_path, name, **kw):
    """A BN-free run on the in-memory data (so micro-batches and big batches see the same statistics)."""
    base = dict(plainnet_struct=NO_PROJ, no_BN=True, no_reslink=True, input_image_size=8, epochs=2, lr_per_256=1.0, save_dir=str(
        tmp_path / name), seed=0, workers_per_gpu=0, tensorboard=False, weight_init="MSRAPrelu")
    return Trainer(build_config(("test", {**base, **kw})), data=tiny_bundle()).fit()


def test_gradient_accumulation_equals_the_big_batch(tmp_path):
    # no BN, no mixup: 2 micro-batches of 16 = one batch of 32 (same samples, same LR at each step)
    big = _run(tmp_path, "big", batch_size_per_gpu=32, lr=0.05)
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in big.model.modules())
    acc = _run(tmp_path, "acc", batch_size_per_gpu=16, batches_per_allreduce=2, lr=0.05)
    for k, v in big.model.state_dict().items():
        torch.testing.assert_close(acc.model.state_dict()[k], v, rtol=1e-5, atol=1e-6)
    assert not torch.equal(big.model.state_dict()["fc_linear.netblock.weight"],
                           _run(tmp_path, "small", batch_size_per_gpu=16, lr=0.05).model.state_dict()[
                               "fc_linear.netblock.weight"])


def test_grad_clip_by_value_bounds_the_update(tmp_path):
    # plain SGD without momentum: one step moves every weight by at most lr * clip
    cfg = dict(batch_size_per_gpu=96, epochs=1, lr=1.0, momentum=0.0, wd=0.0, grad_clip=1e-3)
    torch.manual_seed(0)
    res = _run(tmp_path, "clip", **cfg)
    from zennas.models import create_model, resolve_model_spec

    torch.manual_seed(0)
    m0 = create_model(resolve_model_spec(None, structure=NO_PROJ, num_classes=4, input_image_size=8, no_BN=True,
                                         no_reslink=True))
    init_weights(m0, "MSRAPrelu")
    delta = max((res.model.state_dict()[k] - v).abs().max().item() for k, v in m0.state_dict().items())
    assert 0 < delta <= 1e-3 + 1e-9


def test_torchvision_stage_feature_adapter():
    import torchvision

    from zennas.train.distill import StageFeatures

    net = torchvision.models.resnet18(num_classes=7).eval()
    feats, logit = StageFeatures(net).extract_stage_features_and_logit(torch.randn(1, 3, 64, 64), 16)
    assert [tuple(f.shape[1:]) for f in feats] == [(256, 4, 4), (512, 2, 2)] and logit.shape == (1, 7)
