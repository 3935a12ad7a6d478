"""Plug-ins: a block / space / proxy file is discovered from ZENNAS_PLUGINS, --plugins, or a drop-in folder.

Every plug-in file here lives in a temporary directory (never in the source tree, so parallel test
processes never see a half-written or deliberately broken file); each check runs in a fresh process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import uuid

import pytest

from tests.conftest import ROOT
from zennas.block import Block
from zennas.registry import Registry, RegistryError

NEW_STYLE = '''
from zennas.block import Arg, Block, Cost
from zennas.blocks import register_block


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


def _uid() -> str:
    return uuid.uuid4().hex[:6]


def run_py(code: str, *, env: dict | None = None, cwd=ROOT) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if k != "ZENNAS_PLUGINS"}
    e.update(env or {})
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=e, capture_output=True, text=True, timeout=300)


def write(path, source: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


# ---------------------------------------------------------------------------------------------- by path
def test_block_file_from_env_var_is_discovered_and_usable(tmp_path):
    name = f"MyConvPair{_uid()}"
    f = write(tmp_path / "my_blocks.py", NEW_STYLE.format(name=name))
    r = run_py(CHECK.format(token=f"{name}(8,16,2)"), env={"ZENNAS_PLUGINS": str(f)})
    assert r.returncode == 0, r.stderr
    assert "OK" in r.stdout
    # a folder of plug-ins works the same (every .py file in it), and several paths are os.pathsep-separated
    name2 = f"MyConvPair{_uid()}"
    write(tmp_path / "more" / "b.py", NEW_STYLE.format(name=name2))
    r = run_py(CHECK.format(token=f"{name}(8,16,2)").replace(f"{name}(8,16,2)", f"{name2}(8,16,2)"),
               env={"ZENNAS_PLUGINS": os.pathsep.join([str(f), str(tmp_path / "more")])})
    assert r.returncode == 0, r.stderr


def test_legacy_register_netblocks_dict_file_works(tmp_path):
    name = f"LegacyIdentity{_uid()}"
    f = write(tmp_path / "legacy_blocks.py", LEGACY_STYLE.format(name=name))
    check = ("import PlainNet\nfrom zennas.structure import parse\n"
             f"assert '{name}' in PlainNet._all_netblocks_dict_\n"
             f"print(type(parse('{name}(8)')[0]).__mro__[1].__name__)\n")
    r = run_py(check, env={"ZENNAS_PLUGINS": str(f)})
    assert r.returncode == 0, r.stderr
    assert name in r.stdout


def test_broken_plugin_file_fails_loudly(tmp_path):
    f = write(tmp_path / "broken_plugin.py", "raise RuntimeError('boom in plugin')\n")
    r = run_py("from zennas.structure import parse; parse('BN(8)')", env={"ZENNAS_PLUGINS": str(f)})
    assert r.returncode != 0
    assert "broken_plugin.py failed to load" in r.stderr and "boom in plugin" in r.stderr
    r = run_py("from zennas.structure import parse; parse('BN(8)')", env={"ZENNAS_PLUGINS": str(tmp_path / "nope.py")})
    assert r.returncode != 0 and "nope.py" in r.stderr and "not found" in r.stderr


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


def test_duplicate_of_a_builtin_block_in_a_new_file_is_rejected(tmp_path):
    f = write(tmp_path / "dup_plugin.py", "from zennas.blocks import register_block\n"
                                          "from zennas.blocks.basic import BN\nregister_block(BN, name='ConvKX')\n")
    r = run_py("import zennas.structure as s; s.parse('BN(8)')", env={"ZENNAS_PLUGINS": str(f)})
    assert r.returncode != 0
    assert "duplicate block name 'ConvKX'" in r.stderr
    assert "basic.py" in r.stderr and "dup_plugin.py" in r.stderr


def test_plugins_on_the_command_line(tmp_path):
    name = f"CliBlock{_uid()}"
    f = write(tmp_path / "cli_block.py", NEW_STYLE.format(name=name))
    s = f"SuperConvK3BNRELU(3,8,1,1){name}(8,16,2)SuperConvK1BNRELU(16,32,1,1)"
    r = subprocess.run([sys.executable, "analyze_model.py", "--plugins", str(f), "--plainnet_struct", s,
                        "--input_image_size", "16", "--num_classes", "10", "--no_ptflops", "--json"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert name in r.stdout
    r = subprocess.run([sys.executable, "-m", "zennas.cli.zoo", "--blocks", "--plugins", str(f)], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and name in r.stdout and "zennas_plugin_cli_block" in r.stdout
    r = subprocess.run([sys.executable, "-m", "zennas.cli.zoo", "--blocks", "--plugins", str(tmp_path / "x.py")],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode != 0 and r.stderr.strip().splitlines()[-1].startswith("error:") and "Traceback" not in r.stderr


# ---------------------------------------------------------------------------------------------- drop-in folders
def test_folder_named_like_a_drop_in_folder_extends_it(tmp_path):
    """tmp/ZeroShotProxy/x.py in ZENNAS_PLUGINS is imported as ZeroShotProxy.x: relative imports work."""
    pname = f"Const{_uid()}"
    write(tmp_path / "ZeroShotProxy" / "const_proxy.py", f'''
        from ._common import Proxy, ProxyInfo, register_proxy


        @register_proxy
        class {pname}(Proxy):
            info = ProxyInfo(name="{pname}", formula="1", needs_data=False, needs_model=False, stochastic=False)

            def compute(self, model, ctx):
                return 1.0, {{}}

            def compute_structure(self, structure, ctx, build_kwargs):
                return 1.0, {{}}
    ''')
    r = run_py(f"from zennas.proxies import compute_proxy, PROXIES\n"
               f"r = compute_proxy('{pname.lower()}', 'BN(3)', resolution=8, num_classes=10)\n"
               f"assert r.ok and r.score == 1.0, r\nprint(PROXIES.module_of('{pname}'))",
               env={"ZENNAS_PLUGINS": str(tmp_path / "ZeroShotProxy")})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ZeroShotProxy.const_proxy"


def test_the_checkout_drop_in_folder_is_scanned(tmp_path):
    """A file dropped into the PlainNet/ folder that `import PlainNet` finds is loaded without being
    imported by anyone: here a copy of the folder (the source tree stays untouched)."""
    shutil.copytree(ROOT / "PlainNet", tmp_path / "PlainNet", ignore=shutil.ignore_patterns("__pycache__"))
    name = f"DroppedIn{_uid()}"
    write(tmp_path / "PlainNet" / "my_dropped_block.py", NEW_STYLE.format(name=name).replace(
        "from zennas.blocks import register_block", "from PlainNet import register_block"))
    r = run_py(CHECK.format(token=f"{name}(8,16,2)") + "import sys; print(sys.modules['PlainNet'].__file__)",
               cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert str(tmp_path / "PlainNet") in r.stdout


def test_a_foreign_folder_of_the_same_name_is_never_imported(tmp_path):
    """The original Zen-NAS has a PlainNet/ package too: without zennas' marker it is left alone."""
    write(tmp_path / "PlainNet" / "__init__.py", "raise SystemExit('the foreign PlainNet was imported')\n")
    r = run_py("from zennas.structure import parse; print(len(parse('BN(8)')))", cwd=tmp_path)
    assert r.returncode == 0, r.stderr + r.stdout
    assert r.stdout.strip() == "1"
