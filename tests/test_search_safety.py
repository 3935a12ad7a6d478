"""Issue 14 in the search: bad input is one line and leaves an earlier search exactly as it was (every file
byte for byte, the log included); resume counts time once and reuses the saved run's settings; the saved
search_config.yaml feeds back and repeats the run; the quickstart preset is not dropped by one flag; logs
and TensorBoard behave.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.test_cli_errors import one_error_line
from zennas.cli.search import config_from_args, main
from zennas.search.outputs import TIMING_FIELDS, read_candidates

S0 = ("SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,1,8,1)SuperResK3K3(16,32,2,16,1)"
      "SuperResK3K3(32,64,2,32,1)SuperResK3K3(64,64,2,32,1)SuperConvK1BNRELU(64,128,1,1)")
FAST = {"zero_shot_score": "Params", "search_space": "XXBL", "plainnet_struct": S0, "budget_model_size": 2e5,
        "max_layers": 12, "input_image_size": 16, "num_classes": 10, "population_size": 16, "seed": 3,
        "checkpoint_every": 50, "tensorboard": False, "plots": False, "progress": False}


def preset(tmp_path: Path, **kw) -> Path:
    """A YAML config like a packaged preset (the flags of an original script)."""
    p = tmp_path / f"preset_{len(list(tmp_path.glob('preset_*')))}.yaml"
    p.write_text(yaml.safe_dump({**FAST, **kw}))
    return p


def snapshot(d: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(d)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(d.rglob("*")) if p.is_file()}


def strip(recs):
    return [{k: v for k, v in r.items() if k not in TIMING_FIELDS} for r in recs]


@pytest.fixture()
def finished(tmp_path):
    """A finished search (40 iterations) in tmp_path/run."""
    d = tmp_path / "run"
    assert main(["--config", str(preset(tmp_path, evolution_max_iter=40)), "--save_dir", str(d)]) == 0
    return d


# ------------------------------------------------------------------------------------------ refused, nothing lost
@pytest.mark.parametrize("case", [
    ("over budget with --overwrite", ["--overwrite", "--budget_model_size", "10"], 1,
     "the initial structure is over budget: params"),
    ("existing search", [], 1, "already holds a search (best_structure.txt exists). Use --resume"),
    ("proxy option typo", ["--overwrite", "--set", "proxy_options={bn_stat: carry}", "--zero_shot_score", "Zen"], 2,
     "proxy Zen has no option 'bn_stat'"),
    ("space option typo", ["--overwrite", "--set", "space_options={zen_compat_samplin: true}"], 2,
     "bad options ['zen_compat_samplin']"),
    ("resume with another budget", ["--resume", "--budget_model_size", "3e5"], 1,
     "cannot resume: the config differs from the checkpoint's in budget_model_size"),
    ("bad structure", ["--overwrite", "--plainnet_struct", "SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(9,16,2,8,1)"], 2,
     "channel chaining broken"),
    ("bad number", ["--overwrite", "--population_size", "0"], 2, "population_size must be >= 1"),
    ("unknown key", ["--overwrite", "--set", "populaton_size=3"], 2, "unknown config key 'populaton_size'"),
], ids=lambda c: c[0])
def test_refused_commands_leave_the_earlier_search_untouched(finished, case, capsys):
    _, flags, code, fragment = case
    before = snapshot(finished)
    capsys.readouterr()
    assert main(["--config", str(finished.parent / "preset_0.yaml"), "--save_dir", str(finished), *flags]) == code
    assert fragment in one_error_line(capsys)
    assert snapshot(finished) == before


def test_custom_space_with_an_unknown_block_fails_before_anything_is_written(tmp_path, capsys):
    space = tmp_path / "myspace.py"
    space.write_text("from zennas.spaces import ZenListSpace, register_space\n\n\n@register_space\n"
                     "class TypoSpace(ZenListSpace):\n    name = 'typo_space_for_test'\n"
                     "    groups = (('SuperResK3K1', 'SuperResK3K3'),)\n")
    d = tmp_path / "new"
    assert main(["--config", str(preset(tmp_path)), "--plugins", str(space), "--search_space", "typo_space_for_test",
                 "--save_dir", str(d)]) == 2
    msg = one_error_line(capsys)
    assert "groups name the block 'SuperResK3K1', which no block file registers; did you mean" in msg
    assert not d.exists()


def test_save_dir_that_is_a_file_or_below_one(tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("keep me")
    for d, fragment in ((f, "is a file, not a folder"), (f / "sub", "cannot be created: ")):
        assert main(["--config", str(preset(tmp_path)), "--save_dir", str(d)]) == 2
        assert fragment in one_error_line(capsys)
    assert f.read_text() == "keep me"


def test_unwritable_save_dir(tmp_path, monkeypatch, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == ro else real(p, mode))  # root ignores chmod
    assert main(["--config", str(preset(tmp_path)), "--save_dir", str(ro / "run")]) == 2
    assert f"no permission to write in '{ro}'" in one_error_line(capsys)
    assert list(ro.iterdir()) == []


# ------------------------------------------------------------------------------------------ resume
def test_resumed_time_budget_totals_the_budget(tmp_path):
    d = tmp_path / "t"
    cfg = preset(tmp_path, evolution_max_iter=10**8)
    assert main(["--config", str(cfg), "--save_dir", str(d), "--time_budget", "1"]) == 0
    first = json.loads((d / "checkpoint.json").read_text())
    assert 1.0 <= first["elapsed"] < 1.8 and first["stopped_by"] == "time_budget"  # counted once (was ~2x)
    assert main(["--config", str(cfg), "--save_dir", str(d), "--time_budget", "2", "--resume"]) == 0
    second = json.loads((d / "checkpoint.json").read_text())
    assert 2.0 <= second["elapsed"] < 2.8  # the whole run took the budget ...
    assert second["iteration"] > first["iteration"] * 1.3  # ... and the second session did work


def test_plain_resume_continues_the_saved_run_to_its_own_iteration_count(tmp_path):
    cfg = preset(tmp_path, evolution_max_iter=1500, checkpoint_every=50)
    ref = tmp_path / "ref"
    assert main(["--config", str(cfg), "--save_dir", str(ref)]) == 0
    d = tmp_path / "run"
    p = subprocess.Popen([sys.executable, "evolution_search.py", "--config", str(cfg), "--save_dir", str(d)], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 240
    while time.time() < deadline and p.poll() is None:
        try:
            if json.loads((d / "checkpoint.json").read_text())["iteration"] >= 200:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.05)
    assert p.poll() is None, "finished before it could be interrupted: " + p.stderr.read()[-2000:]
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=120)
    assert p.returncode == 130
    assert json.loads((d / "checkpoint.json").read_text())["iteration"] < 1500
    assert main(["--save_dir", str(d), "--resume"]) == 0  # no other flag: not the quickstart preset
    assert json.loads((d / "checkpoint.json").read_text())["iteration"] == 1500
    assert (d / "best_structure.txt").read_text() == (ref / "best_structure.txt").read_text()
    assert strip(read_candidates(d / "candidates.jsonl")) == strip(read_candidates(ref / "candidates.jsonl"))
    log = (d / "evolution_search.log").read_text()
    assert "resumed from iteration" in log and log.count("search finished its 1,500 iterations") == 1


def test_search_config_yaml_feeds_back_and_repeats_the_run(finished, tmp_path):
    saved = finished / "search_config.yaml"
    assert "resolved" in yaml.safe_load(saved.read_text())
    again = tmp_path / "again"
    assert main(["--config", str(saved), "--save_dir", str(again)]) == 0
    assert strip(read_candidates(again / "candidates.jsonl")) == strip(read_candidates(finished / "candidates.jsonl"))
    for name in ("best_structure.txt", "population.jsonl"):
        assert (again / name).read_text() == (finished / name).read_text()


# ------------------------------------------------------------------------------------------ the quickstart rule
def test_one_flag_keeps_the_quickstart_preset(tmp_path, caplog):
    with caplog.at_level(logging.INFO, "zennas.search"):
        cfg, _ = config_from_args(["--zero_shot_score", "GradNorm", "--save_dir", str(tmp_path)])
    assert (cfg.name, cfg.zero_shot_score, cfg.budget_model_size, cfg.input_image_size, cfg.evolution_max_iter) == (
        "quickstart", "GradNorm", 1e6, 32, 1000)
    assert "starting from the quickstart preset" in caplog.text and "no budget" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, "zennas.search"):
        cfg, _ = config_from_args(["--search_space", "XXBL", "--save_dir", str(tmp_path)])
    assert cfg.name is None and cfg.evolution_max_iter == 480_000 and cfg.budget_model_size is None
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("--search_space names a search of its own, so ZEN's built-in defaults apply" in m for m in warned)
    assert any(m.startswith("no budget is set") for m in warned)


# ------------------------------------------------------------------------------------------ logs and outputs
def test_log_wording_overwrite_and_cadence(finished, tmp_path):
    log = (finished / "evolution_search.log").read_text()
    assert "search finished its 40 iterations (evolution_max_iter)" in log and "iterations after" not in log
    assert f"structure in {finished / 'best_structure.txt'}" in log
    assert main(["--config", str(finished.parent / "preset_0.yaml"), "--save_dir", str(finished), "--overwrite",
                 "--evolution_max_iter", "30", "--log_every", "1000000", "--log_every_seconds", "1e-9"]) == 0
    log = (finished / "evolution_search.log").read_text()
    assert "40 iterations" not in log and log.count("search finished") == 1  # a new log, not appended
    assert sum(" iter " in ln for ln in log.splitlines()) >= 29  # time-based lines (and the final state)


def test_checkpoints_are_also_time_based(tmp_path, monkeypatch):
    from zennas.search import runner

    calls = []
    real = runner.save_checkpoint
    monkeypatch.setattr(runner, "save_checkpoint", lambda d, st: calls.append(st["iteration"]) or real(d, st))
    assert main(["--config", str(preset(tmp_path, evolution_max_iter=30)), "--save_dir", str(tmp_path / "c"),
                 "--checkpoint_every", "1000000", "--checkpoint_every_seconds", "1e-9"]) == 0
    assert calls[:-1] == list(range(1, 30)) and calls[-1] == 30  # each iteration's top, then the end
    cfg, _ = config_from_args(["--save_dir", str(tmp_path)])
    assert (cfg.log_every_seconds, cfg.checkpoint_every_seconds) == (60.0, 300.0)  # time-based by default


def test_matplotlib_font_cache_message_stays_out_of_the_search_log(tmp_path):
    """With an empty matplotlib cache, importing pyplot logs its font-cache news ('generated new fontManager', or
    'building the font cache' when slow; checked first); the search's log holds only zennas' records."""
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl1")}
    probe = ("import logging; logging.basicConfig(level=logging.INFO); import matplotlib; matplotlib.use('Agg'); "
             "import matplotlib.pyplot")
    r = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=300)
    assert "matplotlib.font_manager" in r.stderr, r.stderr  # the message exists in this environment
    env["MPLCONFIGDIR"] = str(tmp_path / "mpl2")
    d = tmp_path / "p"
    r = subprocess.run([sys.executable, "evolution_search.py", "--config", str(preset(tmp_path, evolution_max_iter=20,
                        plots=True)), "--save_dir", str(d)], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert (d / "plots" / "best_score.png").exists()
    log = (d / "evolution_search.log").read_text()
    assert "search finished" in log
    assert not [ln for ln in log.splitlines() if "fontManager" in ln or "font cache" in ln or " matplotlib" in ln]
