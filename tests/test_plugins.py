"""A new block is ONE file in PlainNet/: discovered automatically, usable in structure strings."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid

import pytest

from tests.conftest import ROOT
from zennas.block import Block
from zennas.registry import Registry, RegistryError

NEW_STYLE = '''
from PlainNet import register_block
from zennas.block import Arg, Block, Cost


@register_block
class {name}(Block):
    """Two stacked 3x3 convs (no BN) - a user's block."""
    NAME = "{name}"
    ARGS = (Arg("in"), Arg("out"), Arg("s"))

    def _cost(self, h, he, opts):
        cin, cout, s = self.args
        ho = he // s
        w = cin * cout * 9 + cout * cout * 9
        return Cost(params=w, flops=w * ho * ho, exact_params=w, exact_macs=w * ho * ho)

    def _build(self, opts):
        from torch import nn
        cin, cout, s = self.args
        return nn.Sequential(nn.Conv2d(cin, cout, 3, s, 1, bias=False), nn.Conv2d(cout, cout, 3, 1, 1, bias=False))
'''

LEGACY_STYLE = '''
from zennas.block import Arg, Block, Cost


class {name}(Block):
    ARGS = (Arg("c"),)

    def _cost(self, h, he, opts):
        return Cost()

    def _build(self, opts):
        from torch import nn
        return nn.Identity()


def register_netblocks_dict(netblocks_dict):
    netblocks_dict.update({{"{name}": {name}}})
    return netblocks_dict
'''

CHECK = '''
import torch
from zennas.structure import parse, to_str
from zennas.masternet import build_model
from zennas.costs import compute_costs
s = "SuperConvK3BNRELU(3,8,1,1){token}SuperConvK1BNRELU(16,32,1,1)"
assert to_str(parse(s)) == s
m = build_model(s, 10)
assert m(torch.randn(2, 3, 16, 16)).shape == (2, 10)
assert compute_costs(s, 16, 10).exact_params == sum(p.numel() for p in m.parameters())
print("OK")
'''


def _run_with_file(source: str, check: str) -> subprocess.CompletedProcess:
    path = ROOT / "PlainNet" / f"zz_test_plugin_{uuid.uuid4().hex[:8]}.py"
    path.write_text(textwrap.dedent(source))
    try:
        return subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, timeout=120)
    finally:
        path.unlink()


def test_new_block_file_is_discovered_and_usable():
    name = f"MyConvPair{uuid.uuid4().hex[:6]}"
    r = _run_with_file(NEW_STYLE.format(name=name), CHECK.format(token=f"{name}(8,16,2)"))
    assert r.returncode == 0, r.stderr
    assert "OK" in r.stdout


def test_legacy_register_netblocks_dict_file_works():
    name = f"LegacyIdentity{uuid.uuid4().hex[:6]}"
    check = ("import PlainNet\nfrom zennas.structure import parse\n"
             f"assert '{name}' in PlainNet._all_netblocks_dict_\n"
             f"print(type(parse('{name}(8)')[0]).__mro__[1].__name__)\n")
    r = _run_with_file(LEGACY_STYLE.format(name=name), check)
    assert r.returncode == 0, r.stderr
    assert name in r.stdout


def test_broken_plugin_file_fails_loudly():
    r = _run_with_file("raise RuntimeError('boom in plugin')\n", "import PlainNet")
    assert r.returncode != 0
    assert "failed to import plug-in module PlainNet.zz_test_plugin" in r.stderr
    assert "boom in plugin" in r.stderr


def test_duplicate_name_names_both_locations():
    reg: Registry = Registry("block")

    class A(Block):
        pass

    class B(Block):
        pass

    reg.register("X", A)
    with pytest.raises(RegistryError) as ei:
        reg.register("X", B)
    msg = str(ei.value)
    assert "duplicate block name 'X'" in msg
    assert msg.count("test_plugins.py") == 2


def test_duplicate_of_a_builtin_block_in_a_new_file_is_rejected():
    src = "from PlainNet import register_block\nfrom PlainNet.basic_blocks import BN\nregister_block(BN, name='ConvKX')\n"
    r = _run_with_file(src, "import PlainNet")
    assert r.returncode != 0
    assert "duplicate block name 'ConvKX'" in r.stderr
    assert "basic_blocks.py" in r.stderr and "zz_test_plugin" in r.stderr
