"""The wheel: built from the repository, it installs into a fresh venv and holds only zennas.

The legacy folders (PlainNet/, SearchSpace/, ZeroShotProxy/) are doors of a checkout; installed as
top-level packages they would collide with the original Zen-NAS code in a user's environment.  The build
runs on a copy of the packaging inputs in a temporary folder (nothing is written into the source tree),
with uv (``scripts/setup.sh`` provides it; its cache holds the build backend after set-up).
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


def find_uv() -> str:
    uv = shutil.which("uv") or (str(ROOT / ".tools" / "bin" / "uv") if (ROOT / ".tools" / "bin" / "uv").exists() else None)
    if uv is None:
        pytest.skip("uv not found (bash scripts/setup.sh installs it into .tools/)")
    return uv


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    uv = find_uv()
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("zennas", "PlainNet", "SearchSpace", "ZeroShotProxy"):  # the legacy folders are there, as in a clone
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run([uv, "build", "--wheel", "--out-dir", str(out), str(src)], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    (whl,) = out.glob("zennas-*.whl")
    return whl


def test_wheel_holds_only_zennas(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        top = {n.split("/")[0] for n in names}
        entry_points = z.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert {t for t in top if not t.endswith(".dist-info")} == {"zennas"}, sorted(top)
    assert "zennas/presets/quickstart.yaml" in names and "zennas/proxies/zen.py" in names
    cp = configparser.ConfigParser()
    cp.read_string(entry_points)
    assert {"zennas-search", "zennas-score", "zennas-analyze", "zennas-zoo"} <= set(cp["console_scripts"])


CHECK = """
import importlib.util, sys
import zennas, zennas.presets
from zennas.structure import parse
from zennas.costs import compute_costs
for legacy in ("PlainNet", "SearchSpace", "ZeroShotProxy"):
    assert importlib.util.find_spec(legacy) is None, legacy
assert zennas.presets.path("quickstart") is not None and "Zen_NAS_cifar_params1M" in zennas.presets.names()
c = compute_costs(parse("SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,2,8,1)SuperConvK1BNRELU(16,32,1,1)"), 32, 10)
assert (c.params, c.flops) == (2985, 826688)
from zennas import plugins
assert plugins.checkout_root() is None   # an installed package: no drop-in folders are looked for
print(zennas.__file__)
"""


def test_wheel_installs_into_a_fresh_venv(wheel, tmp_path):
    uv = find_uv()
    venv = tmp_path / "venv"
    r = subprocess.run([uv, "venv", "--python", sys.executable, str(venv)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    py = venv / "bin" / "python"
    # no dependencies: the structure/cost core needs none, and nothing here may come from the network
    r = subprocess.run([uv, "pip", "install", "--python", str(py), "--no-deps", str(wheel)], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(py), "-c", CHECK], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert str(venv) in r.stdout  # imported from the venv, not from the checkout
