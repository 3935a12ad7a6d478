"""Training configuration: one dataclass per option group, YAML presets, command-line overrides.

The option names and defaults are those of the original ``train_image_classification.py`` /
``ts_train_image_classification.py`` (ZENNAS_SPEC §6.1); options the original parsed but never used
are accepted and warned about once.  Precedence (lowest first): defaults < ``--config FILE.yaml`` <
command-line flags < ``--set KEY=VALUE``.  Keys of a preset are the option names (flat, as in the
search presets); the resolved configuration is written as ``train_config.yaml`` beside the
checkpoints and stored inside them under ``"config"``.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from zennas.fileio import read_yaml_mapping

logger = logging.getLogger("zennas.train")


class ConfigError(ValueError):
    """A configuration value is invalid (the message names the option and why)."""


def opt(default: Any, help: str, *, flags: tuple[str, ...] = (), choices: tuple[str, ...] | None = None,
        ignored: str | None = None, negate: str | None = None) -> Any:
    """A config field with its command-line metadata.  ``ignored``: why the original's option does
    nothing (it is accepted and warned about once); ``negate``: an extra flag that stores False."""
    return field(default=default, metadata=dict(help=help, flags=flags, choices=choices, ignored=ignored,
                                                negate=negate))


_UNUSED = "parsed but unused by the original scripts"


@dataclass
class ModelOptions:
    TITLE: ClassVar[str] = "model"
    arch: str | None = opt(None, "zoo name, torchvision model name, or Masternet.py:MasterNet / PlainNet "
                                 "(needs --plainnet_struct[_txt]); default: MasterNet when a structure is given")
    plainnet_struct: str | None = opt(None, "structure string of the MasterNet")
    plainnet_struct_txt: str | None = opt(None, "file whose first structure line is the MasterNet "
                                                "(e.g. a search's best_structure.txt)")
    num_classes: int | None = opt(None, "classes of the head (default: the dataset's)")
    pretrained: bool = opt(False, "torchvision models: start from torchvision's published weights (must be in "
                                  "the torch hub cache or downloadable); others: use --load_parameters_from")
    no_BN: bool = opt(False, "MasterNet: omit BN in super blocks")
    no_reslink: bool = opt(False, "MasterNet: remove residual links")
    use_se: bool = opt(False, "MasterNet: SE in every super-block unit")


@dataclass
class DataOptions:
    TITLE: ClassVar[str] = "data"
    dataset: str | None = opt(None, "cifar10, cifar100 (torchvision's on-disk layout), imagenet, myimagenet100 "
                                    "or imagefolder (DIR/train + DIR/val class folders)",
                              choices=("cifar10", "cifar100", "imagenet", "myimagenet100", "imagefolder"))
    data_dir: str | None = opt(None, "dataset root (default ~/data/pytorch_cifar10, ~/data/pytorch_cifar100, "
                                     "~/data/imagenet, ~/data/myimagenet100); never downloaded")
    val_list: str | None = opt(None, "flat validation folder: list file of '<file> <label>' lines (default: "
                                     "val_list.txt in DIR/val or DIR, used when DIR/val has no class folders)")
    input_image_size: int | None = opt(None, "training resolution (default: the zoo entry's, 32 for CIFAR, "
                                             "else 224)")
    input_image_crop: float = opt(0.875, "validation: center-crop ratio (resize to size/ratio first)")
    batch_size: int | None = opt(None, "global batch size (split over processes)")
    batch_size_per_gpu: int | None = opt(None, "batch size per process (default 64, or --batch_size / world)")
    workers_per_gpu: int = opt(6, "DataLoader workers per process (capped at the CPU count)")
    auto_augment: bool = opt(False, "AutoAugment (ImageNet policy; CIFAR-10 policy for CIFAR)")
    random_erase: bool = opt(False, "RandomErasing (p 0.5, area 0.02-0.33, aspect 0.3-3.3, value 0)")
    no_data_augment: bool = opt(False, "train with the validation transform (no augmentation)")
    dataloader_testing: bool = opt(False, "use 1/100 of the training and 1/10 of the validation images")
    num_cv_folds: int | None = opt(None, "", ignored=_UNUSED)
    cv_id: int | None = opt(None, "", ignored=_UNUSED)
    auto_batch_size: bool = opt(False, "", ignored=_UNUSED)


@dataclass
class ScheduleOptions:
    TITLE: ClassVar[str] = "learning rate (per-sample schedule, ZENNAS_SPEC 6.2)"
    lr: float | None = opt(None, "base LR (default lr_per_256 * global batch / 256)")
    target_lr: float | None = opt(None, "final LR (default target_lr_per_256 * global batch / 256)")
    lr_per_256: float = opt(0.1, "base LR per 256 images")
    target_lr_per_256: float = opt(0.0, "final LR per 256 images")
    lr_mode: str | None = opt(None, "cosine, linear or stagedecay (default cosine)",
                              choices=("cosine", "linear", "stagedecay"))
    warmup: float = opt(0, "linear warm-up epochs")
    lr_stage_list: str | None = opt(None, "stagedecay: epoch boundaries 'e1,e2,...'")
    lr_stage_decay: float | None = opt(None, "stagedecay: factor per boundary passed")
    epoch_offset: int = opt(0, "", ignored=_UNUSED)


@dataclass
class OptimOptions:
    TITLE: ClassVar[str] = "optimizer"
    optimizer: str = opt("sgd", "sgd, adam, adamw, adadelta or rmsprop",
                         choices=("sgd", "adam", "adamw", "adadelta", "rmsprop"))
    momentum: float = opt(0.9, "SGD/RMSprop momentum")
    nesterov: bool = opt(False, "SGD: Nesterov momentum")
    adadelta_rho: float = opt(0.9, "Adadelta rho")
    adadelta_eps: float = opt(1e-9, "Adadelta eps")
    weight_decay: float = opt(4e-5, "weight decay of conv/linear weights (BN and biases: none)",
                              flags=("--wd", "--weight_decay"))
    grad_clip: float | None = opt(None, "clip gradients (by value, as the original; see --grad_clip_mode)")
    grad_clip_mode: str = opt("value", "value (original) or norm (global L2 norm)", choices=("value", "norm"))


@dataclass
class TrickOptions:
    TITLE: ClassVar[str] = "initialisation, BN, loss (ZENNAS_SPEC 6.3)"
    label_smoothing: bool = opt(False, "soft targets (1-0.1)*one-hot + 0.1/K")
    mixup: bool = opt(False, "mixup: lambda ~ Beta(alpha, alpha) per batch")
    mixup_alpha: float = opt(0.2, "mixup Beta parameter")
    weight_init: str = opt("None", "None (PyTorch defaults), xavier, MSRAPrelu, stupid, zero, 01, custom "
                                   "(the model's init_parameters: MSRAPrelu + zero-init residual BN)",
                           choices=("None", "xavier", "MSRAPrelu", "stupid", "zero", "01", "custom"))
    bn_momentum: float | None = opt(None, "momentum of every BatchNorm (PyTorch convention; recipes use 0.01)")
    bn_eps: float | None = opt(None, "eps of every BatchNorm")
    ema: bool = opt(False, "keep an exponential moving average of the weights, validated alongside")
    ema_decay: float = opt(0.9999, "EMA decay d (effective min(d, (1+n)/(10+n)) after n updates)")


@dataclass
class PrecisionOptions:
    TITLE: ClassVar[str] = "precision (torch.amp)"
    fp16: bool = opt(False, "float16 autocast + GradScaler (CUDA); the original cast the model to half")
    bf16: bool = opt(False, "bfloat16 autocast (no loss scaling needed)")
    apex: bool = opt(False, "legacy NVIDIA apex AMP: mapped onto torch.amp autocast + GradScaler")
    apex_opt_level: str = opt("O1", "legacy: O0 = fp32, O1/O2/O3 = float16 autocast",
                              choices=("O0", "O1", "O2", "O3"))
    apex_loss_scale: str = opt("dynamic", "legacy: 'dynamic' or a fixed loss scale")
    channels_last: bool = opt(False, "channels_last memory format for model and inputs",
                              flags=("--channels_last", "--channels-last"))
    keep_batchnorm_fp32: bool = opt(False, "", flags=("--keep-batchnorm-fp32", "--keep_batchnorm_fp32"),
                                    ignored="autocast keeps BN in float32 anyway")


@dataclass
class DistOptions:
    TITLE: ClassVar[str] = "device and distribution"
    device: str | None = opt(None, "cpu, cuda, cuda:N (default: cpu; cuda for --dist_mode single; the local "
                                   "rank's GPU under torchrun/horovodrun when CUDA is available)")
    gpu: int | None = opt(None, "legacy: same as --device cuda:N")
    dist_mode: str = opt("cpu", "cpu / single: one process, or DDP when started by torchrun; horovod: "
                                "horovodrun; torchrun/ddp: require torchrun",
                         choices=("cpu", "single", "horovod", "torchrun", "ddp", "auto", "mpi"))
    independent_training: bool = opt(False, "every process trains its own copy (no sharding, no all-reduce)")
    fp16_allreduce: bool = opt(False, "horovod: fp16 compression of the gradient all-reduce")
    batches_per_allreduce: int = opt(1, "gradient accumulation: micro-batches per optimizer step")
    sync_bn: bool = opt(False, "DDP on CUDA: SyncBatchNorm (ignored on CPU)")
    threads: int | None = opt(None, "torch.set_num_threads per process (default: cores / local processes)")
    world_size: int = opt(1, "", flags=("--world-size", "--world_size"), ignored="taken from torchrun/horovodrun")
    rank: int = opt(-1, "", ignored="taken from torchrun/horovodrun")
    local_rank: int | None = opt(None, "", flags=("--local_rank", "--local-rank"), ignored="taken from LOCAL_RANK")
    num_job_splits: int | None = opt(None, "", ignored=_UNUSED)
    job_id: int | None = opt(None, "", ignored=_UNUSED)


@dataclass
class RunOptions:
    TITLE: ClassVar[str] = "run, checkpoints, logging"
    save_dir: str | None = opt(None, "output folder (required)")
    epochs: int = opt(90, "training epochs")
    start_epoch: int = opt(0, "first epoch of a fresh run (resume takes the checkpoint's)")
    save_freq: int = opt(10, "latest-params_rank0.pth every N epochs (and at the end)")
    print_freq: int = opt(100, "log a line every N iterations")
    evaluate_only: bool = opt(False, "only validate (weights from --load_parameters_from / --resume / save_dir)")
    resume: str | None = opt(None, "resume from this latest-params checkpoint")
    auto_resume: bool = opt(False, "resume from <save_dir>/latest-params_rank0.pth if it exists")
    load_parameters_from: str | None = opt(None, "initial weights (a state dict or a checkpoint)")
    strict_load: bool = opt(False, "--load_parameters_from must match every key and shape")
    seed: int | None = opt(None, "seed of every RNG (default: drawn and recorded)")
    deterministic: bool = opt(False, "deterministic algorithms (cudnn.deterministic, no benchmark)")
    progress: bool | None = opt(None, "tqdm bar per epoch (default: on a terminal)", negate="--no_progress")
    tensorboard: bool = opt(True, "TensorBoard scalars in <save_dir>/tensorboard", negate="--no_tensorboard")


@dataclass
class DistillOptions:
    TITLE: ClassVar[str] = "distillation (ts_train_image_classification.py, ZENNAS_SPEC 6.4)"
    teacher_arch: str | None = opt(None, "teacher: zoo or torchvision name, or Masternet.py:MasterNet")
    teacher_plainnet_struct: str | None = opt(None, "teacher MasterNet structure")
    teacher_plainnet_struct_txt: str | None = opt(None, "teacher MasterNet structure file")
    teacher_num_classes: int | None = opt(None, "teacher classes (default --num_classes)")
    teacher_pretrained: bool = opt(False, "torchvision teacher: torchvision's published weights")
    teacher_load_parameters_from: str | None = opt(None, "teacher weights: a training checkpoint (rebuilds the "
                                                         "teacher when no --teacher_arch) or a state dict")
    teacher_input_image_size: int | None = opt(None, "teacher resolution (default the student's)")
    teacher_feature_weight: float | None = opt(None, "weight of the stage-feature smooth-L1 term (off if unset)")
    teacher_logit_weight: float | None = opt(None, "weight of the logit soft cross-entropy (off if unset)")
    teacher_logit_temperature: float = opt(1.0, "logit distillation temperature T (loss scaled by T^2)")
    ts_proj_no_relu: bool = opt(False, "no ReLU in the 1x1 projections")
    ts_proj_no_bn: bool = opt(False, "no BN in the 1x1 projections")
    ts_clip: float | None = opt(None, "clamp teacher features to +-ts_clip")
    target_downsample_ratio: int | None = opt(None, "first distilled stride (default 16; then x2 per stage)")


TRAIN_GROUPS = (ModelOptions, DataOptions, ScheduleOptions, OptimOptions, TrickOptions, PrecisionOptions,
                DistOptions, RunOptions)
GROUP_ATTR = {ModelOptions: "model", DataOptions: "data", ScheduleOptions: "schedule", OptimOptions: "optim",
              TrickOptions: "tricks", PrecisionOptions: "precision", DistOptions: "dist", RunOptions: "run",
              DistillOptions: "distill"}
ALIASES = {"wd": "weight_decay", "channels-last": "channels_last", "world-size": "world_size",
           "local-rank": "local_rank", "keep-batchnorm-fp32": "keep_batchnorm_fp32"}


@dataclass
class TrainConfig:
    """All options, grouped; ``distill`` is set for teacher-student training only."""

    model: ModelOptions = field(default_factory=ModelOptions)
    data: DataOptions = field(default_factory=DataOptions)
    schedule: ScheduleOptions = field(default_factory=ScheduleOptions)
    optim: OptimOptions = field(default_factory=OptimOptions)
    tricks: TrickOptions = field(default_factory=TrickOptions)
    precision: PrecisionOptions = field(default_factory=PrecisionOptions)
    dist: DistOptions = field(default_factory=DistOptions)
    run: RunOptions = field(default_factory=RunOptions)
    distill: DistillOptions | None = None

    def groups(self) -> list[Any]:
        return [getattr(self, a) for a in GROUP_ATTR.values() if getattr(self, a) is not None]

    def flat(self) -> dict[str, Any]:
        """Option name -> value (the form of presets, train_config.yaml and checkpoints)."""
        return {k: v for g in self.groups() for k, v in dataclasses.asdict(g).items()}

    def replace(self, **values: Any) -> "TrainConfig":
        return build_config(("replace", {**self.flat(), **values}), distill=self.distill is not None)


def group_classes(distill: bool) -> tuple[type, ...]:
    return TRAIN_GROUPS + ((DistillOptions,) if distill else ())


def _field_index(distill: bool) -> dict[str, tuple[type, dataclasses.Field]]:
    return {f.name: (g, f) for g in group_classes(distill) for f in fields(g)}


def field_type(cls: type, name: str) -> type:
    hint = typing.get_type_hints(cls)[name]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if args else hint


def coerce(cls: type, name: str, value: Any) -> Any:
    """Convert a YAML / command-line value to the field's type (ConfigError naming the option)."""
    if value is None:
        return None
    typ = field_type(cls, name)
    try:
        if typ is bool:
            if isinstance(value, bool):
                return value
            s = str(value).lower()
            if s in ("true", "yes", "1", "on", "false", "no", "0", "off"):
                return s in ("true", "yes", "1", "on")
            raise ValueError
        if typ is int:
            if isinstance(value, bool) or float(value) != int(float(value)):
                raise ValueError
            return int(float(value))
        if typ is float:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if isinstance(value, (dict, list, bool)):
            raise ValueError
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"--{name}: expected {typ.__name__}, got {value!r}") from None


def canonical_key(key: str, where: str, distill: bool) -> str:
    k = ALIASES.get(key, key).replace("-", "_").lstrip("_")
    index = _field_index(distill)
    if k not in index:
        close = difflib.get_close_matches(k, list(index), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ConfigError(f"unknown option {key!r} in {where}{hint}")
    return k


def load_yaml(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {str(path)!r} not found")
    return read_yaml_mapping(p, path, ConfigError)


def build_config(*layers: tuple[str, dict[str, Any]], distill: bool = False) -> TrainConfig:
    """Merge ``(source, {option: value})`` layers over the defaults, coerce and validate."""
    index = _field_index(distill)
    values: dict[type, dict[str, Any]] = {g: {} for g in group_classes(distill)}
    for where, mapping in layers:
        for key, val in mapping.items():
            k = canonical_key(str(key), where, distill)
            g, _ = index[k]
            values[g][k] = coerce(g, k, val)
    kw = {GROUP_ATTR[g]: g(**v) for g, v in values.items()}
    cfg = TrainConfig(**kw)
    validate(cfg)
    return cfg


def validate(cfg: TrainConfig) -> None:
    for g in cfg.groups():
        for f in fields(g):
            v, choices = getattr(g, f.name), f.metadata.get("choices")
            if choices and v is not None and v not in choices:
                low = {c.lower(): c for c in choices}
                if isinstance(v, str) and v.lower() in low:  # case-insensitive names (MSRAPrelu, none)
                    setattr(g, f.name, low[v.lower()])
                else:
                    raise ConfigError(f"--{f.name}: {v!r} is not one of {', '.join(choices)}")
    positive = [("epochs", cfg.run.epochs), ("save_freq", cfg.run.save_freq), ("print_freq", cfg.run.print_freq),
                ("batches_per_allreduce", cfg.dist.batches_per_allreduce), ("batch_size", cfg.data.batch_size),
                ("batch_size_per_gpu", cfg.data.batch_size_per_gpu), ("num_classes", cfg.model.num_classes),
                ("input_image_size", cfg.data.input_image_size), ("threads", cfg.dist.threads)]
    for name, v in positive:
        if v is not None and v < 1:
            raise ConfigError(f"--{name} must be >= 1, got {v}")
    if cfg.schedule.warmup < 0 or cfg.schedule.warmup > cfg.run.epochs:
        raise ConfigError(f"--warmup must be in [0, epochs={cfg.run.epochs}], got {cfg.schedule.warmup}")
    if not 0 < cfg.data.input_image_crop <= 1:
        raise ConfigError(f"--input_image_crop must be in (0, 1], got {cfg.data.input_image_crop}")
    if cfg.model.plainnet_struct and cfg.model.plainnet_struct_txt:
        raise ConfigError("give only one of --plainnet_struct and --plainnet_struct_txt")
    if cfg.precision.fp16 and cfg.precision.bf16:
        raise ConfigError("give only one of --fp16 and --bf16")
    if cfg.schedule.lr_mode == "stagedecay" and (not cfg.schedule.lr_stage_list or cfg.schedule.lr_stage_decay is None):
        raise ConfigError("--lr_mode stagedecay needs --lr_stage_list e1,e2,... and --lr_stage_decay")
    if cfg.dist.dist_mode == "mpi":
        raise ConfigError("--dist_mode mpi relied on a GPU allocator that never shipped with the original; use "
                          "torchrun (DDP) or --dist_mode horovod with horovodrun")
    if cfg.precision.apex_loss_scale != "dynamic":
        try:
            if float(cfg.precision.apex_loss_scale) <= 0:
                raise ValueError
        except ValueError:
            raise ConfigError(f"--apex_loss_scale: 'dynamic' or a positive number, got "
                              f"{cfg.precision.apex_loss_scale!r}") from None
    if not 0 < cfg.tricks.ema_decay < 1:
        raise ConfigError(f"--ema_decay must be in (0, 1), got {cfg.tricks.ema_decay}")


_WARNED: set[str] = set()


def warn_ignored(cfg: TrainConfig) -> list[str]:
    """Log once per process for every given option the original parsed but never used."""
    out = []
    for g in cfg.groups():
        for f in fields(g):
            why = f.metadata.get("ignored")
            if why and getattr(g, f.name) != f.default:
                out.append(f.name)
                if f.name not in _WARNED:
                    _WARNED.add(f.name)
                    logger.warning("--%s is accepted for compatibility and ignored (%s)", f.name, why)
    return out

