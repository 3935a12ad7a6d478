"""The legacy doors: the original's package and module names keep working over zennas.

PlainNet/, SearchSpace/ and ZeroShotProxy/ are thin: their modules are aliases of (or re-exports from) the
zennas modules, with the original names and signatures (``_all_netblocks_dict_``, ``gen_search_space``,
``compute_zen_score.compute_nas_score``, ...), and what a drop-in file imports from them today.
"""

from __future__ import annotations

import importlib
import inspect
import math

import pytest
import torch

import PlainNet
import SearchSpace
import ZeroShotProxy
from zennas.masternet import build_model
from zennas.structure import parse

SMALL = "SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,2,8,1)SuperConvK1BNRELU(16,32,1,1)"


def test_plainnet_doors():
    import zennas.blocks as zb
    from zennas.blocks import basic, gs_super, res_k1kxk1, super_blocks

    assert PlainNet.BLOCKS is zb.BLOCKS and PlainNet.register_block is zb.register_block
    assert PlainNet._all_netblocks_dict_ is zb.NETBLOCKS_DICT and "ConvKX" in PlainNet._all_netblocks_dict_
    # the original module names are the zennas modules themselves
    for legacy, mod in (("basic_blocks", basic), ("super_blocks", super_blocks), ("SuperResK1KXK1", res_k1kxk1),
                        ("AABC_Block", gs_super)):
        assert importlib.import_module(f"PlainNet.{legacy}") is mod
    assert PlainNet.SuperResK1KXK1.SuperResK1K3K1 is PlainNet.BLOCKS.get("SuperResK1K3K1")
    # what the README's block example imports
    from PlainNet.basic_blocks import BN, RELU, ConvKX  # noqa: F401
    from PlainNet.super_blocks import SUPER_RES_ARGS, bn, residual_unit  # noqa: F401

    assert PlainNet.load_module("PlainNet/AABC_Block.py") == PlainNet.load_module("zennas.blocks.gs_super")
    assert PlainNet.load_module("PlainNet/gs_blocks.py") == ["Identity", "ChannelShuffle", "GSModule"]
    from PlainNet.gs_blocks import GSModule, SuperResGSKX  # noqa: F401


def test_searchspace_doors():
    import zennas.spaces as zs

    assert SearchSpace.get_space is zs.get_space and SearchSpace.SPACES is zs.SPACES
    from SearchSpace._base import register_space
    from SearchSpace._zen_lists import ZenListSpace

    assert register_space is zs.register_space and ZenListSpace is zs.ZenListSpace
    xxbl = importlib.import_module("SearchSpace.search_space_XXBL")
    idw = importlib.import_module("SearchSpace.search_space_IDW_fixfc")

    # the original module-level function: ZEN's candidate lists (its cumulative lists)
    for mod, name in ((xxbl, "XXBL"), (idw, "IDW_fixfc")):
        assert list(inspect.signature(mod.gen_search_space).parameters) == ["block_list", "block_id"]
        blocks = parse(zs.get_space(name).example)
        assert mod.gen_search_space(blocks, 1) == zs.get_space(name, zen_compat_sampling=True).candidates(blocks, 1)
    assert type(SearchSpace.get_space("SearchSpace/search_space_XXBL.py")).name == "XXBL"


#: every name the built-in proxy files imported from ZeroShotProxy._common before the move (a drop-in
#: proxy written against that module keeps working)
COMMON_NAMES = ["PROXIES", "Proxy", "ProxyContext", "ProxyError", "ProxyInfo", "ProxyResult", "autocast_context",
                "batchnorms", "compute_proxy", "count_macs", "cpu_has_fast_bf16", "effective_precision",
                "forward_hooks", "gaussian_init", "get_proxy", "is_oom", "list_proxies", "logits_of",
                "maybe_gaussian_init", "override_activations", "parse_dtype", "pre_gap_features", "prepare_model",
                "preserve_module_state", "register_proxy", "relu_modules", "reset_bn_stats", "resolve_device",
                "single_value_bn_in_eval", "spearman", "to_input", "weight_layers", "MAX_OOM_SPLIT"]


def test_zeroshotproxy_doors():
    import zennas.proxies as zp
    from ZeroShotProxy import _common

    for n in COMMON_NAMES:
        assert getattr(_common, n) is getattr(zp, n), n
    assert ZeroShotProxy.compute_proxy is zp.compute_proxy
    assert importlib.import_module("ZeroShotProxy.zen") is zp.zen
    assert importlib.import_module("ZeroShotProxy.tenas").rank_combination is zp.tenas.rank_combination


LEGACY_SIGNATURES = {
    "compute_zen_score": ("compute_nas_score", ["gpu", "model", "mixup_gamma", "resolution", "batch_size", "repeat",
                                                "fp16"]),
    "compute_gradnorm_score": ("compute_nas_score", ["gpu", "model", "resolution", "batch_size"]),
    "compute_NASWOT_score": ("compute_nas_score", ["gpu", "model", "resolution", "batch_size"]),
    "compute_syncflow_score": ("do_compute_nas_score", ["gpu", "model", "resolution", "batch_size"]),
    "compute_te_nas_score": ("compute_NTK_score", ["gpu", "model", "resolution", "batch_size"]),
}


@pytest.mark.parametrize("module", sorted(LEGACY_SIGNATURES))
def test_original_proxy_functions(module):
    import zennas.proxies as zp

    fn_name, params = LEGACY_SIGNATURES[module]
    fn = getattr(importlib.import_module(f"ZeroShotProxy.{module}"), fn_name)
    assert list(inspect.signature(fn).parameters) == params
    model = build_model(SMALL, 10, no_reslink=True)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    kw = dict(gpu=None, model=model, resolution=16, batch_size=8)
    if module == "compute_zen_score":
        kw.update(mixup_gamma=0.01, repeat=2)
    torch.manual_seed(0)
    a = fn(**kw)
    torch.manual_seed(0)
    b = fn(**kw)
    assert a == b  # seeded from the global generator, as the original
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # scored on a copy
    value = a["avg_nas_score"] if isinstance(a, dict) else a
    assert math.isfinite(value)
    # the value is this library's proxy, in the original's sign convention
    name = {"compute_zen_score": "Zen", "compute_gradnorm_score": "GradNorm", "compute_NASWOT_score": "NASWOT",
            "compute_syncflow_score": "SynFlow", "compute_te_nas_score": "TE-NAS"}[module]
    torch.manual_seed(0)
    seed = int(torch.randint(0, 2**31 - 1, (1,)).item())
    extra = {"repeat": 2, "gamma": 0.01} if name == "Zen" else {"linear_regions": False} if name == "TE-NAS" else {}
    r = zp.compute_proxy(name, model, resolution=16, batch_size=8, num_classes=10, seed=seed, **extra)
    expect = r.extra["original_return"] if name == "SynFlow" else r.score
    assert value == pytest.approx(expect)
    if isinstance(a, dict):
        assert set(a) == {"avg_nas_score", "std_nas_score", "avg_precision"}
        assert a["avg_precision"] == pytest.approx(1.96 * a["std_nas_score"] / math.sqrt(2))


def test_te_nas_linear_regions_function():
    from ZeroShotProxy.compute_te_nas_score import compute_RN_score

    model = build_model(SMALL, 10, no_reslink=True)
    n = compute_RN_score(model, batch_size=4, image_size=16, num_batch=2, gpu=None)
    assert n == 8.0  # 8 N(0,1) images of a random net: distinct activation patterns
