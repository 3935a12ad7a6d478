"""Every search preset ends with the training command of its published recipe, and the training scripts print
commands that use only the option names of ZENNAS_SPEC §6.1 (the training CLI is checked against a parser
built here from that table; the real training parser is checked when both land together).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from zennas.presets.recipes import RECIPES, config_train_command, expand

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted((ROOT / "zennas" / "presets").glob("*.yaml"))

# ZENNAS_SPEC §6.1 (options shared by train_image_classification.py and ts_train_image_classification.py),
# plus the model flags the model modules read (§1.5) and --device / --data_dir named by the issue.
FLAGS = """evaluate_only apex fp16 independent_training fp16_allreduce sync_bn nesterov auto_resume strict_load
label_smoothing mixup auto_augment random_erase no_data_augment dataloader_testing pretrained teacher_pretrained
ts_proj_no_relu ts_proj_no_bn no_BN no_reslink use_se""".split()
VALUED = """apex_loss_scale apex_opt_level dist_mode world-size rank gpu batches_per_allreduce num_job_splits job_id lr
target_lr lr_per_256 target_lr_per_256 lr_mode warmup lr_stage_list lr_stage_decay epoch_offset optimizer momentum
adadelta_rho adadelta_eps wd weight_decay grad_clip resume load_parameters_from start_epoch epochs save_dir save_freq
print_freq weight_init bn_momentum bn_eps dataset workers_per_gpu batch_size batch_size_per_gpu input_image_size
input_image_crop data_dir num_cv_folds cv_id arch num_classes plainnet_struct plainnet_struct_txt teacher_arch
teacher_load_parameters_from teacher_input_image_size teacher_feature_weight teacher_logit_weight ts_clip
target_downsample_ratio device""".split()
CHOICES = {"dataset": ("imagenet", "myimagenet100", "cifar10", "cifar100", "imagefolder"),
           "lr_mode": ("cosine", "linear", "stagedecay"), "optimizer": ("sgd", "adam", "adamw", "adadelta", "rmsprop"),
           "dist_mode": ("cpu", "single", "horovod", "mpi", "auto"),
           "weight_init": ("None", "xavier", "MSRAPrelu", "stupid", "zero", "01", "custom")}
SCRIPTS = ("train_image_classification.py", "ts_train_image_classification.py")


def spec_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(exit_on_error=False, allow_abbrev=False)
    for f in FLAGS:
        p.add_argument(f"--{f}", action="store_true")
    for v in VALUED:
        p.add_argument(f"--{v}", choices=CHOICES.get(v))
    return p


def training_argv(cmd: list[str]) -> tuple[str, list[str]]:
    """(script, its options) of a command line, past python / torchrun / horovodrun launchers."""
    i = next(k for k, w in enumerate(cmd) if Path(w).name in SCRIPTS)
    return Path(cmd[i]).name, cmd[i + 1:]


def parse(cmd: list[str]) -> argparse.Namespace:
    script, argv = training_argv(cmd)
    try:
        ns, unknown = spec_parser().parse_known_args(argv)
    except argparse.ArgumentError as exc:
        raise AssertionError(f"{script} {shlex.join(argv)}: {exc}") from None
    if unknown:
        raise AssertionError(f"{script}: options not in ZENNAS_SPEC §6.1: {unknown}")
    return ns


def test_the_spec_parser_rejects_unknown_names():
    with pytest.raises(AssertionError, match="not in ZENNAS_SPEC"):
        parse(["python", "train_image_classification.py", "--learning_rate", "0.1"])
    with pytest.raises(AssertionError, match="invalid choice"):
        parse(["python", "train_image_classification.py", "--lr_mode", "step"])


def check_published_recipe(ns: argparse.Namespace, dataset: str) -> None:
    assert ns.optimizer == "sgd" and ns.nesterov and float(ns.momentum) == 0.9
    assert float(ns.lr_per_256) == 0.1 and float(ns.target_lr_per_256) == 0.0 and ns.lr_mode == "cosine"
    assert int(ns.warmup) == 5 and float(ns.bn_momentum) == 0.01 and ns.weight_init == "custom"
    assert ns.label_smoothing and ns.random_erase and ns.mixup and ns.auto_augment
    assert int(ns.batch_size_per_gpu) == 64
    if dataset.startswith("cifar"):
        assert float(ns.wd) == 5e-4 and int(ns.epochs) == 1440 and int(ns.input_image_size) == 32
    else:
        assert float(ns.wd) == 4e-5 and int(ns.epochs) == 480 and int(ns.input_image_size) == 224


@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
def test_every_preset_trains_with_its_published_recipe(config, tmp_path):
    env = {"HOME": "/home/u"}
    cmds = expand(config_train_command(config), str(tmp_path / "s"), env=env, python="PY")
    assert cmds, f"{config.name} has no train_command"
    datasets = []
    for cmd in cmds:
        ns = parse(cmd)
        datasets.append(ns.dataset)
        check_published_recipe(ns, ns.dataset)
        assert ns.plainnet_struct_txt == f"{tmp_path}/s/best_structure.txt"
        assert ns.arch == "Masternet.py:MasterNet" and ns.save_dir.startswith(f"{tmp_path}/s/")
        root = {"cifar10": "~/data/pytorch_cifar10", "cifar100": "~/data/pytorch_cifar100", "imagenet": "~/data/imagenet"}
        assert ns.data_dir == str(Path(root[ns.dataset]).expanduser())
        assert int(ns.num_classes) == {"cifar10": 10, "cifar100": 100, "imagenet": 1000}[ns.dataset]
        assert ns.use_se == ("flops" in config.stem)  # the FLOPs presets train with SE (zoo: *_SE_res224)
        script, _ = training_argv(cmd)
        if ns.dataset == "imagenet":  # distilled from the published teacher, 8 GPUs via torchrun
            assert script == "ts_train_image_classification.py" and cmd[:4] == ["PY", "-m", "torch.distributed.run",
                                                                               "--nproc_per_node=8"]
            assert ns.teacher_arch == "geffnet_tf_efficientnet_b3_ns" and ns.teacher_pretrained
            assert int(ns.teacher_input_image_size) == 320 and float(ns.teacher_feature_weight) == 1.0
            assert float(ns.teacher_logit_weight) == 1.0 and ns.ts_proj_no_relu and ns.ts_proj_no_bn
        else:
            assert cmd[0] == "PY" and script == "train_image_classification.py"
    if "cifar" in config.stem and config.stem != "quickstart":
        assert datasets == ["cifar10", "cifar100"]  # the original trains both


def test_placeholders_come_from_the_environment(tmp_path):
    t = config_train_command("Zen_NAS_ImageNet_latency0.1ms")
    env = {"IMAGENET_DIR": "/data/in 1k", "NPROC": "2", "STRUCTURE": "/s/best.txt", "TRAIN_ARGS": "--epochs 1 --device cpu",
           "TEACHER_ARGS": "--teacher_arch resnet18 --teacher_load_parameters_from /t.pth"}
    (cmd,) = expand(t, "S", env=env, python="PY", extra=["--print_freq", "5"])
    ns = parse(cmd)
    assert cmd[3] == "--nproc_per_node=2" and ns.data_dir == "/data/in 1k" and ns.plainnet_struct_txt == "/s/best.txt"
    assert ns.epochs == "1" and ns.device == "cpu" and ns.print_freq == "5"  # later flags win in argparse
    assert ns.teacher_arch == "resnet18" and not ns.teacher_pretrained
    (cmd,) = expand(t, "S", env={"DATA_DIR": "/d", "IMAGENET_DIR": "/x"}, python="PY")
    assert parse(cmd).data_dir == "/d"  # DATA_DIR wins
    assert RECIPES["cifar_recipe"].split()[:2] == ["--optimizer", "sgd"]


# ---- the scripts themselves -------------------------------------------------------------------------------
@pytest.fixture()
def shim(tmp_path):
    """A python that records every call (one argv per line, tab-separated), delegating zennas.presets.recipes to
    the real interpreter so the scripts' training step is resolved for real."""
    py = tmp_path / "python"
    log = tmp_path / "calls.txt"
    py.write_text("#!/usr/bin/env bash\n"
                  f'if [[ "$1" == -m && "$2" == zennas.presets.recipes ]]; then exec {shlex.quote(sys.executable)} "$@"; fi\n'
                  f'(IFS=$\'\\t\'; echo "$*") >> {shlex.quote(str(log))}\n')
    py.chmod(0o755)
    return py, log


def _calls(log: Path) -> list[list[str]]:
    return [line.split("\t") for line in log.read_text().splitlines()] if log.exists() else []


@pytest.mark.parametrize("no_train", [False, True])
def test_preset_script_searches_analyses_then_trains(shim, tmp_path, no_train):
    py, log = shim
    env = {**os.environ, "PYTHON": str(py), "SAVE_DIR": str(tmp_path / "s"), "CIFAR10_DIR": "/c10"}
    if no_train:
        env["NO_TRAIN"] = "1"
    r = subprocess.run(["bash", str(ROOT / "scripts" / "Zen_NAS_cifar_params1M.sh")], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    calls = _calls(log)
    assert calls[0][0] == "evolution_search.py" and calls[1][0] == "-c" and calls[2][0] == "analyze_model.py"
    if no_train:
        assert len(calls) == 3 and "Training skipped" in r.stdout
        return
    assert [c[0] for c in calls[3:]] == ["train_image_classification.py"] * 2
    ns = [parse([str(py)] + c) for c in calls[3:]]
    assert [n.dataset for n in ns] == ["cifar10", "cifar100"] and ns[0].data_dir == "/c10"
    assert ns[1].data_dir == str(Path("~/data/pytorch_cifar100").expanduser())


def test_preset_dry_run_prints_the_training_commands(tmp_path):
    env = {**os.environ, "PYTHON": sys.executable, "SAVE_DIR": str(tmp_path / "s"), "NPROC": "4"}
    r = subprocess.run(["bash", str(ROOT / "scripts" / "Zen_NAS_ImageNet_flops400M.sh"), "--dry-run", "--set",
                        "dry_run_iterations=0"], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("train (not run in --dry-run): ")]
    assert len(lines) == 1
    cmd = shlex.split(lines[0].split(": ", 1)[1])
    ns = parse(cmd)
    assert cmd[3] == "--nproc_per_node=4" and ns.use_se and ns.dataset == "imagenet"
    assert not (tmp_path / "s").exists()


TRAIN_SCRIPTS = {
    "Zen_NAS_ImageNet_latency0.1ms_train.sh": "horovodrun",
    "Zen_NAS_ImageNet_latency0.1ms_train_apex.sh": "torchrun",
    "train_ZenNet_cifar10.sh": "python",
    "train_ZenNet_cifar100.sh": "python",
}


@pytest.mark.parametrize("script", sorted(TRAIN_SCRIPTS))
def test_training_scripts_dry_run(script, tmp_path):
    env = {**os.environ, "PYTHON": sys.executable, "NPROC": "2", "SAVE_DIR": str(tmp_path / "s"), "MODEL_SIZE": "2M"}
    r = subprocess.run(["bash", str(ROOT / "scripts" / script), "--dry-run", "--epochs", "3"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    (line,) = r.stdout.strip().splitlines()
    cmd = shlex.split(line)
    ns = parse(cmd)
    assert ns.epochs == "3" and ns.save_dir.startswith(str(tmp_path / "s"))
    check_published_recipe(spec_parser().parse_args(training_argv(cmd)[1][:-2]), ns.dataset)
    launcher = TRAIN_SCRIPTS[script]
    if launcher == "horovodrun":
        assert cmd[:5] == ["horovodrun", "-np", "2", "-H", "localhost:2"] and ns.dist_mode == "horovod"
    elif launcher == "torchrun":
        assert cmd[1:4] == ["-m", "torch.distributed.run", "--nproc_per_node=2"] and ns.apex
    else:
        k = script[len("train_ZenNet_cifar"):-3]
        assert ns.arch == f"zennet_cifar{k}_model_size2M_res32" and ns.dataset == f"cifar{k}"
    if ns.dataset == "imagenet":
        assert ns.plainnet_struct_txt == f"{tmp_path}/s/best_structure.txt" and ns.teacher_pretrained


def test_training_script_without_a_structure_is_one_line(tmp_path):
    env = {**os.environ, "PYTHON": sys.executable, "SAVE_DIR": str(tmp_path / "none")}
    r = subprocess.run(["bash", str(ROOT / "scripts" / "Zen_NAS_ImageNet_latency0.1ms_train.sh")], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert r.stderr.strip().splitlines() == [f"error: structure file {tmp_path}/none/best_structure.txt not found: "
                                             "run the search preset first, or set STRUCTURE=FILE"]


@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
def test_preset_training_commands_are_accepted_by_the_real_training_cli(config, tmp_path):
    """Every command a preset runs parses AND validates with the training engine's own options (names,
    types, choices), not only with the §6.1 name list above."""
    from zennas.train.cli_args import config_from_args

    for cmd in expand(config_train_command(config), str(tmp_path / "s"), env={"HOME": "/home/u"}, python="PY"):
        script, argv = training_argv(cmd)
        flat = config_from_args(argv, prog=script, description="", distill=script.startswith("ts_"))[0].flat()
        assert (flat["lr_mode"], flat["optimizer"], flat["nesterov"], flat["weight_init"]) == (
            "cosine", "sgd", True, "custom")
        assert flat["epochs"] == (1440 if flat["dataset"].startswith("cifar") else 480)
