"""The published training recipes and the expansion of the presets' training commands (scripts/).

A preset's ``train_command`` (zennas/presets/*.yaml, one command per line) or a training script's template is
written as a user would type it, with placeholders:

* ``{cifar_recipe}`` / ``{imagenet_recipe}``: the options of the published recipes (ZENNAS_SPEC §6.1
  "Settings actually used"; idstcv/ZenNAS scripts/*.sh): SGD + Nesterov (momentum 0.9), lr_per_256 0.1
  -> target 0, cosine, 5 warm-up epochs, bn_momentum 0.01, ``--weight_init custom``, label smoothing,
  random erase, mixup, AutoAugment, batch 64 per GPU; weight decay 5e-4 and 1440 epochs (CIFAR) or 4e-5
  and 480 epochs (ImageNet);
* ``{teacher}``: the published distillation teacher options (EfficientNet-B3-NS at 320 px, feature and
  logit weights 1.0, projections without BN/ReLU, ratio 16); env ``TEACHER_ARGS`` replaces them;
* ``{save_dir}`` (``SAVE_DIR``), ``{structure}`` (env ``STRUCTURE``, default ``{save_dir}/best_structure.txt``),
  ``{nproc}`` (env ``NPROC``, default 8), ``{data_dir}``: env ``DATA_DIR``, else ``CIFAR10_DIR`` /
  ``CIFAR100_DIR`` / ``IMAGENET_DIR`` by the command's ``--dataset``, else the original's roots
  (~/data/pytorch_cifar10, ~/data/pytorch_cifar100, ~/data/imagenet).

The word ``python`` becomes ``$PYTHON`` and ``torchrun`` ``$PYTHON -m torch.distributed.run`` (the project's
interpreter); env ``TRAIN_ARGS`` (and extra words on the command line) are appended to every command.
``python -m zennas.presets.recipes (--config F | --command T) --save_dir D [-- extra ...]`` prints one
shell-quoted command per line (imports nothing heavy: the scripts call it before the search).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from zennas.data.cifar import DEFAULT_ROOTS

_COMMON = ("--optimizer sgd --momentum 0.9 --nesterov --lr_per_256 0.1 --target_lr_per_256 0.0 --lr_mode cosine "
           "--warmup 5 --bn_momentum 0.01 --weight_init custom --label_smoothing --random_erase --mixup "
           "--auto_augment --batch_size_per_gpu 64 --workers_per_gpu 6")
RECIPES = {
    "cifar_recipe": f"{_COMMON} --wd 5e-4 --epochs 1440",
    "imagenet_recipe": f"{_COMMON} --wd 4e-5 --epochs 480",
    "teacher": ("--teacher_arch geffnet_tf_efficientnet_b3_ns --teacher_pretrained --teacher_input_image_size 320 "
                "--teacher_feature_weight 1.0 --teacher_logit_weight 1.0 --ts_proj_no_relu --ts_proj_no_bn "
                "--target_downsample_ratio 16"),
}
DATA_ROOTS = {**DEFAULT_ROOTS, "imagenet": "~/data/imagenet"}


def _dataset(words: list[str]) -> str | None:
    for i, w in enumerate(words[:-1]):
        if w == "--dataset":
            return words[i + 1]
    return None


def expand(template: str, save_dir: str, *, env: dict[str, str] | None = None, python: str = "python",
           extra: list[str] | None = None) -> list[list[str]]:
    """The commands (argv lists) of ``template`` (one per non-empty line) with the placeholders filled in."""
    env = dict(os.environ if env is None else env)
    lists = {k: shlex.split(env["TEACHER_ARGS"]) if k == "teacher" and "TEACHER_ARGS" in env else v.split()
             for k, v in RECIPES.items()}
    tail = shlex.split(env.get("TRAIN_ARGS", "")) + list(extra or [])
    cmds = []
    for line in template.splitlines():
        words = shlex.split(line, comments=True)
        if not words:
            continue
        ds = _dataset(words)
        data = env.get("DATA_DIR") or env.get(f"{(ds or '').upper()}_DIR") or DATA_ROOTS.get(ds or "", "~/data")
        scalars = {"save_dir": save_dir, "structure": env.get("STRUCTURE") or f"{save_dir}/best_structure.txt",
                   "nproc": env.get("NPROC", "8"), "data_dir": str(Path(data).expanduser())}
        out: list[str] = []
        for w in words:
            if w.startswith("{") and w.endswith("}") and w[1:-1] in lists:
                out += lists[w[1:-1]]
            elif w == "python":
                out.append(python)
            elif w == "torchrun":
                out += [python, "-m", "torch.distributed.run"]
            else:
                for k, v in scalars.items():
                    w = w.replace("{" + k + "}", v)
                out.append(w)
        cmds.append(out + tail)
    return cmds


def config_train_command(config: str | Path) -> str:
    """A preset's ``train_command`` ("" when it has none); ``config`` is a packaged preset's name (or a
    legacy ``configs/NAME.yaml`` path) or a YAML file."""
    import yaml

    from zennas.presets import path as preset_path

    f = Path(config)
    if not f.is_file():
        f = preset_path(f.stem if f.suffix in (".yaml", ".yml") else str(config)) or f
    return (yaml.safe_load(f.read_text()) or {}).get("train_command") or ""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    p = argparse.ArgumentParser(prog="python -m zennas.presets.recipes", description="print a preset's training commands")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--config")
    src.add_argument("--command")
    p.add_argument("--save_dir", required=True)
    p.add_argument("--python", default=os.environ.get("PYTHON") or "python")
    p.add_argument("--check", action="store_true", help="fail when the structure file does not exist")
    a = p.parse_args(argv)
    template = config_train_command(a.config) if a.config else a.command
    cmds = expand(template, a.save_dir, python=a.python, extra=extra)
    if a.check and "{structure}" in template:
        s = Path(os.environ.get("STRUCTURE") or f"{a.save_dir}/best_structure.txt")
        if not s.is_file():
            print(f"error: structure file {s} not found: run the search preset first, or set STRUCTURE=FILE",
                  file=sys.stderr)
            return 2
    for c in cmds:
        print(shlex.join(c))
    return 0


if __name__ == "__main__":
    sys.exit(main())
