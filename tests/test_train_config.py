"""Training options: the original names and defaults (ZENNAS_SPEC §6.1), argparse groups generated from
the config dataclasses, YAML presets with overrides, legacy options, one-line CLI errors."""

from __future__ import annotations

import logging
from dataclasses import fields

import pytest
import yaml

from zennas.cli.train import main as train_main
from zennas.cli.ts_train import main as ts_main
from zennas.train.cli_args import config_from_args, make_parser
from zennas.train.config import ConfigError, build_config, group_classes, warn_ignored

# option -> default of the original scripts (ZENNAS_SPEC §6.1)
ORIGINAL_DEFAULTS = {
    "evaluate_only": False, "apex": False, "apex_loss_scale": "dynamic", "apex_opt_level": "O1", "fp16": False,
    "dist_mode": "cpu", "independent_training": False, "world_size": 1, "rank": -1, "gpu": None,
    "fp16_allreduce": False, "batches_per_allreduce": 1, "sync_bn": False, "num_job_splits": None, "job_id": None,
    "lr": None, "target_lr": None, "lr_per_256": 0.1, "target_lr_per_256": 0.0, "lr_mode": None, "warmup": 0,
    "lr_stage_list": None, "lr_stage_decay": None, "epoch_offset": 0, "optimizer": "sgd", "momentum": 0.9,
    "nesterov": False, "adadelta_rho": 0.9, "adadelta_eps": 1e-9, "weight_decay": 4e-5, "grad_clip": None,
    "resume": None, "auto_resume": False, "load_parameters_from": None, "strict_load": False, "start_epoch": 0,
    "epochs": 90, "save_dir": None, "save_freq": 10, "print_freq": 100, "label_smoothing": False, "mixup": False,
    "weight_init": "None", "bn_momentum": None, "bn_eps": None, "dataset": None, "workers_per_gpu": 6,
    "batch_size": None, "batch_size_per_gpu": None, "input_image_crop": 0.875, "auto_augment": False,
    "random_erase": False, "no_data_augment": False, "dataloader_testing": False, "arch": None, "pretrained": False,
    "num_classes": None, "data_dir": None, "num_cv_folds": None, "cv_id": None, "auto_batch_size": False,
}
DISTILL_DEFAULTS = {"teacher_arch": None, "teacher_pretrained": False, "teacher_load_parameters_from": None,
                    "teacher_input_image_size": None, "teacher_feature_weight": None, "teacher_logit_weight": None,
                    "ts_proj_no_relu": False, "ts_proj_no_bn": False, "ts_clip": None, "target_downsample_ratio": None}


def test_original_names_and_defaults():
    flat = build_config().flat()
    for k, v in ORIGINAL_DEFAULTS.items():
        assert flat[k] == v, k
    ts = build_config(distill=True).flat()
    for k, v in DISTILL_DEFAULTS.items():
        assert ts[k] == v, k
    assert "teacher_arch" not in flat


@pytest.mark.parametrize("distill", [False, True])
def test_parser_groups_come_from_the_dataclasses(distill):
    p = make_parser("x", "", distill=distill)
    titles = {g.title: {a.dest for a in g._group_actions} for g in p._action_groups}
    for cls in group_classes(distill):
        assert titles[cls.TITLE] == {f.name for f in fields(cls)}, cls.__name__


def test_every_flag_and_alias_parses():
    cfg, _ = config_from_args(["--wd", "5e-4", "--channels-last", "--world-size", "4", "--local_rank", "1",
                               "--apex", "--apex_loss_scale", "128", "--gpu", "0", "--lr_mode", "stagedecay",
                               "--lr_stage_list", "30,60", "--lr_stage_decay", "0.1", "--weight_init", "msraprelu",
                               "--no_tensorboard"], prog="x", description="")
    assert cfg.optim.weight_decay == 5e-4 and cfg.precision.channels_last and cfg.dist.world_size == 4
    assert cfg.precision.apex_loss_scale == "128" and cfg.dist.gpu == 0 and cfg.tricks.weight_init == "MSRAPrelu"
    assert cfg.run.tensorboard is False


def test_yaml_preset_then_flags_then_set(tmp_path):
    preset = tmp_path / "p.yaml"
    preset.write_text(yaml.safe_dump({"dataset": "cifar100", "epochs": 1440, "wd": 5e-4, "label_smoothing": True,
                                      "batch_size_per_gpu": 64}))
    cfg, _ = config_from_args(["--config", str(preset), "--epochs", "10", "--set", "mixup=true"], prog="x",
                              description="")
    assert (cfg.data.dataset, cfg.run.epochs, cfg.optim.weight_decay, cfg.tricks.label_smoothing,
            cfg.tricks.mixup) == ("cifar100", 10, 5e-4, True, True)
    # the flat dict is itself a valid preset (train_config.yaml round trip)
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(cfg.flat()))
    again, _ = config_from_args(["--config", str(tmp_path / "r.yaml")], prog="x", description="")
    assert again == cfg


@pytest.mark.parametrize("layer, msg", [
    ({"epoch": 3}, "unknown option 'epoch'.*did you mean epochs"),
    ({"epochs": "many"}, "--epochs: expected int"),
    ({"optimizer": "lamb"}, "--optimizer: 'lamb' is not one of"),
    ({"fp16": True, "bf16": True}, "only one of --fp16 and --bf16"),
    ({"lr_mode": "stagedecay"}, "needs --lr_stage_list"),
    ({"dist_mode": "mpi"}, "GPU allocator"),
    ({"apex_loss_scale": "huge"}, "apex_loss_scale"),
])
def test_bad_values_name_the_option(layer, msg):
    with pytest.raises(ConfigError, match=msg):
        build_config(("preset", layer))


def test_unused_original_options_warn_once(caplog):
    cfg = build_config(("cli", {"sync_bn": False, "num_job_splits": 4, "job_id": 1, "epoch_offset": 3}))
    with caplog.at_level(logging.WARNING, logger="zennas.train"):
        assert set(warn_ignored(cfg)) == {"num_job_splits", "job_id", "epoch_offset"}
        warn_ignored(cfg)
    msgs = [r.getMessage() for r in caplog.records]
    assert sum("--num_job_splits" in m for m in msgs) == 1 and all("ignored" in m for m in msgs)


@pytest.mark.parametrize("args, msg", [
    (["--dataset", "cifar10", "--data_dir", "{tmp}/nowhere", "--plainnet_struct", "SuperConvK1BNRELU(3,8,1,1)"],
     "error: CIFAR folder {tmp}/nowhere not found"),
    (["--dataset", "imagefolder", "--data_dir", "{tmp}", "--arch", "resnet19"], "error: image folder dataset not found"),
    (["--epochs", "0"], "error: --epochs must be >= 1"),
])
def test_cli_errors_are_one_line(args, msg, tmp_path, capsys):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args] + ["--save_dir", str(tmp_path / "s")]
    assert train_main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(msg.replace("{tmp}", str(tmp_path))), err
    assert not any("Traceback" in ln for ln in err)


def test_ts_cli_needs_a_teacher_with_weights(tmp_path, capsys):
    from datasets import write_fake_cifar

    write_fake_cifar(tmp_path / "c", n_train=20, n_test=10)
    common = ["--dataset", "cifar10", "--data_dir", str(tmp_path / "c"), "--plainnet_struct",
              "SuperConvK3BNRELU(3,8,2,1)SuperConvK1BNRELU(8,16,1,1)", "--save_dir", str(tmp_path / "s"),
              "--batch_size_per_gpu", "4", "--workers_per_gpu", "0"]
    assert ts_main(common + ["--teacher_arch", "resnet18", "--teacher_feature_weight", "1"]) == 2
    assert "the teacher needs trained weights" in capsys.readouterr().err
    assert ts_main(common) == 2
    assert "no teacher" in capsys.readouterr().err
