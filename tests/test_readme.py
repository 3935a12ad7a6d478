"""The README works word for word: its two commands and the Extending examples.

The Extending examples are taken from README.md as written, dropped into temporary folders named like
the drop-in folders (PlainNet/, SearchSpace/, ZeroShotProxy/; given by ZENNAS_PLUGINS, so the source tree
is untouched), and then used the way the README promises: in structure strings, costs, MasterNet, the
search CLI, the proxy CLI, and the parametrized tests.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys

import pytest

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def code_blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r"```(\w*)\n(.*?)```", text, flags=re.S)


def test_readme_commands():
    lang, first = code_blocks(README)[0]
    lines = first.strip().splitlines()
    assert lang == "bash" and len(lines) == 2
    search, tests = (ln.split(" && ", 1) for ln in lines)
    assert search[0] == tests[0] == "bash scripts/setup.sh"
    ci = (ROOT / ".ci" / "run").read_text()
    assert lines[1] in ci, "CI must run the README's test command"
    argv = shlex.split(search[1])
    assert argv[:2] == [".venv/bin/python", "evolution_search.py"]
    # the same command, as a dry run (resolve everything, 2 iterations in a temporary folder)
    r = subprocess.run([sys.executable, *argv[1:], "--dry-run"], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["config"]["name"] == "quickstart" and report["dry_run"]["iterations"] == 2


def extending_examples() -> dict[str, str]:
    """{"PlainNet/my_blocks.py": source, ...}: the README's Extending code blocks, by their first line."""
    section = README[README.index("## Extending"):README.index("## Layout")]
    out = {}
    for lang, body in code_blocks(section):
        m = re.match(r"# ((PlainNet|SearchSpace|ZeroShotProxy)/\w+\.py)\n", body)
        if lang == "python" and m:
            out[m.group(1)] = body
    return out


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory):
    examples = extending_examples()
    assert sorted(p.split("/")[0] for p in examples) == ["PlainNet", "SearchSpace", "ZeroShotProxy"]
    root = tmp_path_factory.mktemp("readme_plugins")
    for rel, src in examples.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(src)
    folders = os.pathsep.join(str(root / d) for d in ("PlainNet", "SearchSpace", "ZeroShotProxy"))
    return {**os.environ, "ZENNAS_PLUGINS": folders}


def run(argv: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


EXAMPLE = "SuperConvK3BNRELU(3,16,1,1)SuperResK3K1(16,32,2,16,1)SuperConvK1BNRELU(32,128,1,1)"

# one process (one torch import): the library calls, then the CLIs' main functions as the commands run them
# (`python -m ZeroShotProxy` is zennas.cli.score.main, `evolution_search.py` zennas.cli.search.main)
USE = f'''
import contextlib, io, json, math, torch
import numpy as np
from zennas.blocks import BLOCKS
from zennas.costs import compute_costs
from zennas.masternet import build_model
from zennas.proxies import PROXIES, compute_proxy
from zennas.spaces import SPACES, get_space
from zennas.cli import score, search, zoo
space = get_space("mine")
s = space.example
m = build_model(s, 10)
assert m(torch.randn(2, 3, 32, 32)).shape == (2, 10)
assert compute_costs(s, 32, 10).exact_params == sum(p.numel() for p in m.parameters())
r = compute_proxy("weightnorm", s, resolution=32, num_classes=10, seed=0)
assert r.ok and math.isfinite(r.score), r
child = space.mutate(space.initial_structure(), np.random.default_rng(0), 2)
space.check(child)
out = {{"modules": [BLOCKS.module_of("SuperResK3K1"), SPACES.module_of("mine"), PROXIES.module_of("WeightNorm")]}}
for key, main, argv in (
        ("search", search.main, ["--search_space", "mine", "--zero_shot_score", "WeightNorm", "--plainnet_struct",
                                 "{EXAMPLE}", "--input_image_size", "32", "--num_classes", "10", "--batch_size", "4",
                                 "--dry-run"]),
        ("score", score.main, ["--plainnet_struct", "{EXAMPLE}", "--zero_shot_score", "WeightNorm",
                               "--input_image_size", "32", "--num_classes", "10", "--seed", "0", "--json"]),
        ("blocks", zoo.main, ["--blocks", "--json"])):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(argv)
    out[key] = [rc, buf.getvalue()]
print(json.dumps(out))
'''


def test_extending_examples_are_usable(plugin_env):
    r = run(["-c", USE], plugin_env)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    # imported as if dropped into the folders the README names
    assert out["modules"] == ["PlainNet.my_blocks", "SearchSpace.search_space_mine", "ZeroShotProxy.weight_norm"]
    rc, text = out["search"]
    report = json.loads(text)
    assert rc == 0 and report["resolved"]["proxy"] == "WeightNorm" and "mine" in report["resolved"]["space"]
    assert report["dry_run"]["counters"]["n_failed"] == 0 and report["dry_run"]["iterations"] == 2
    rc, text = out["score"]
    assert rc == 0 and json.loads(text.strip().splitlines()[-1])["ok"]
    rc, text = out["blocks"]
    assert rc == 0 and {"name": "SuperResK3K1", "args": "in,out,s,B,L", "module": "PlainNet.my_blocks",
                        "super": True} in json.loads(text)


def test_extending_examples_are_covered_by_the_parametrized_tests(plugin_env):
    r = run(["-m", "pytest", "-p", "no:cacheprovider", "-v", "tests/test_blocks_registry.py",
             "tests/test_search_spaces.py", "tests/test_proxies.py", "-k", "SuperResK3K1 or mine or WeightNorm"],
            plugin_env)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    passed = set(re.findall(r"^(tests/\S+::\S+) PASSED", r.stdout, flags=re.M))
    for test_id in ("tests/test_blocks_registry.py::test_round_trip[SuperResK3K1]",
                    "tests/test_blocks_registry.py::test_forward_shape_params_macs[SuperResK3K1-plain]",
                    "tests/test_search_spaces.py::test_mutation_invariants[mine-False]",
                    "tests/test_search_spaces.py::test_same_seed_same_sequence[mine-True]",
                    "tests/test_proxies.py::test_finite_on_tiny_module_and_deterministic[WeightNorm]",
                    "tests/test_proxies.py::test_state_restored_and_no_global_rng_change[WeightNorm]"):
        assert test_id in passed, (test_id, sorted(passed)[:20])
