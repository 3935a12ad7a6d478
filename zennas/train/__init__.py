"""Training engine: ``train(cfg)`` / :class:`Trainer` for train_image_classification.py and
ts_train_image_classification.py (ZENNAS_SPEC §6).  Modules by concern: ``config`` (options, YAML),
``cli_args`` (parser generated from the config dataclasses), ``data``, ``optim`` (optimizers, per-sample
LR), ``losses`` (smoothing, mixup), ``init`` (weight init, BN), ``precision`` (torch.amp), ``distributed``
(single / torchrun DDP / Horovod), ``ema``, ``state`` (checkpoint state, RNG), ``observe`` (bar, log,
TensorBoard), ``engine`` (the loop), ``distill`` (teacher-student).
"""

from zennas.train.config import ConfigError, TrainConfig, build_config
from zennas.train.engine import Trainer, TrainResult, train

__all__ = ["ConfigError", "TrainConfig", "TrainResult", "Trainer", "build_config", "train"]
