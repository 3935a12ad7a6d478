"""The training engine behind train_image_classification.py and ts_train_image_classification.py.

One loop for every topology (:mod:`zennas.train.distributed`): per micro-batch it sets the per-sample
LR (:mod:`zennas.train.optim`), prepares smoothed / mixed targets (:mod:`zennas.train.losses`), runs the
task's forward under autocast (:mod:`zennas.train.precision`), scales and back-propagates; every
``--batches_per_allreduce`` micro-batches it steps (unscale, clip, step, scaler update) and updates
the EMA.  Logged training loss / top-1 and validation metrics are sums all-reduced over the ranks.
Checkpoints are written atomically (:func:`zennas.checkpoint.save_checkpoint`) and hold everything
to continue bit-for-bit: model, optimizer, scaler, EMA, schedule position, epoch and every RNG state.
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import nn

from zennas.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from zennas.train import state as st
from zennas.train.build import (
    build_network,
    default_resolution,
    load_parameters_from,
    make_spec,
    read_structure,
)
from zennas.train.config import ConfigError, TrainConfig, warn_ignored
from zennas.train.data import DataBundle, build_datasets, is_cifar, make_loaders
from zennas.train.distributed import create_backend
from zennas.train.ema import ModelEMA
from zennas.train.init import init_weights, set_bn_options
from zennas.train.losses import Criterion
from zennas.train.observe import RunLog
from zennas.train.optim import (
    LRSchedule,
    build_optimizer,
    clip_gradients,
    param_groups,
    parse_stage_list,
    set_lr,
)
from zennas.train.precision import resolve_precision

logger = logging.getLogger("zennas.train")


class ClassificationTask:
    """What is trained: ``model`` (saved as ``state_dict``) and ``net`` (optimised, wrapped by DDP)."""

    part_names: tuple[str, ...] = ()
    zero_init_scale = 1e-3

    def __init__(self, model: nn.Module, size: int) -> None:
        self.model, self.net, self.size = model, model, size

    def to(self, device: torch.device, memory_format: torch.memory_format) -> None:
        self.net.to(device=device, memory_format=memory_format)

    def resize(self, x: torch.Tensor, size: int) -> torch.Tensor:
        if x.shape[-1] == size and x.shape[-2] == size:
            return x
        return F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)

    def forward_loss(self, net: nn.Module, x: torch.Tensor, target: torch.Tensor, criterion: Criterion):
        """``(loss, logits, [extra loss terms])``."""
        logits = net(self.resize(x, self.size))
        return criterion(logits, target), logits, []

    def eval_logits(self, model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        return model(self.resize(x, self.size))

    def extra_state(self) -> dict[str, Any]:
        return {}

    def load_extra_state(self, ckpt: dict[str, Any]) -> None:
        pass


@dataclass
class TrainResult:
    model: nn.Module
    status: dict[str, Any]
    history: list[dict[str, Any]]
    save_dir: Path
    rank: int = 0
    world_size: int = 1
    ema: nn.Module | None = None
    skipped: bool = False
    evaluation: dict[str, Any] | None = None
    config: dict[str, Any] = field(default_factory=dict)


TaskFactory = Callable[["Trainer", nn.Module, DataBundle], ClassificationTask]


class Trainer:
    """``Trainer(cfg).fit()``; ``data`` replaces the dataset options (benchmarks, tests), ``task_factory``
    builds another task (distillation), ``callbacks`` get a dict per optimizer step."""

    done_name = st.DONE

    def __init__(self, cfg: TrainConfig, *, data: DataBundle | None = None, task_factory: TaskFactory | None = None,
                 callbacks: tuple[Callable[[dict], None], ...] = ()) -> None:
        self.cfg, self.data, self.task_factory, self.callbacks = cfg, data, task_factory, callbacks

    # ------------------------------------------------------------------ set-up
    def _resolve(self) -> None:
        cfg = self.cfg
        b = self.backend = create_backend(cfg.dist)
        if b.device.type == "cpu" and (cfg.dist.threads or b.local_world_size > 1):
            torch.set_num_threads(cfg.dist.threads or max(1, (os.cpu_count() or 1) // b.local_world_size))
        # cuDNN autotuning as the original (fixed input sizes), unless --deterministic
        torch.backends.cudnn.deterministic = cfg.run.deterministic
        torch.backends.cudnn.benchmark = not cfg.run.deterministic
        if not cfg.run.save_dir:
            raise ConfigError("--save_dir is required")
        seed = cfg.run.seed if cfg.run.seed is not None else int.from_bytes(os.urandom(4), "little")
        seed = b.all_gather_object(seed)[0]
        structure = read_structure(cfg.model.plainnet_struct, cfg.model.plainnet_struct_txt)
        size = cfg.data.input_image_size or default_resolution(cfg.model.arch, is_cifar(cfg.data.dataset))
        per_gpu = cfg.data.batch_size_per_gpu or (max(1, cfg.data.batch_size // b.data_world)
                                                  if cfg.data.batch_size else 64)
        gb = per_gpu * b.data_world
        lr_mult = self.lr_multiplier()
        lr = cfg.schedule.lr if cfg.schedule.lr is not None else cfg.schedule.lr_per_256 * gb / 256 * lr_mult
        target = (cfg.schedule.target_lr if cfg.schedule.target_lr is not None
                  else cfg.schedule.target_lr_per_256 * gb / 256 * lr_mult)
        self.structure, self.size = structure, size
        self.cfg = cfg.replace(seed=seed, batch_size_per_gpu=per_gpu, batch_size=gb, lr=lr, target_lr=target,
                               lr_mode=cfg.schedule.lr_mode or "cosine", input_image_size=size,
                               plainnet_struct=structure, plainnet_struct_txt=None)

    def lr_multiplier(self) -> float:
        """The teacher-student script scales the derived LR by --batches_per_allreduce (as the original)."""
        return 1.0

    def load_size(self) -> int:
        return self.size

    def setup(self) -> bool:
        """Everything up to the first epoch; False when the job marker says the run is done."""
        self._resolve()
        cfg, b = self.cfg, self.backend
        self.save_dir = Path(cfg.run.save_dir).expanduser()
        self.save_dir.mkdir(parents=True, exist_ok=True)
        if (self.save_dir / self.done_name).exists() and not cfg.run.evaluate_only:
            return False
        self.file_rank = b.rank if b.independent else 0
        self.suffix = f"_rank{self.file_rank}" if self.file_rank else ""
        self.log = RunLog(self.save_dir, main=b.writes_checkpoints, tensorboard=cfg.run.tensorboard,
                          progress=cfg.run.progress, suffix=self.suffix)
        warn_ignored(cfg)
        logger.info("processes: %s, rank %d/%d%s, device %s", b.name, b.rank, b.world_size,
                    " (independent training)" if b.independent else "", b.device)
        seed, rank_seed = cfg.run.seed, cfg.run.seed + (b.rank if b.independent else 0)
        st.seed_all(rank_seed)
        data = self.data or build_datasets(cfg.data, self.load_size(), model_size=self.size)
        k = cfg.model.num_classes or data.num_classes
        if cfg.model.num_classes and cfg.model.num_classes != data.num_classes:
            raise ConfigError(f"--num_classes {k} but the dataset has {data.num_classes} classes; class indices "
                              "would not line up")
        self.data, self.num_classes = data, k
        self.cfg = cfg = cfg.replace(num_classes=k)
        m = cfg.model
        self.spec = make_spec(m.arch, self.structure, k, self.size, no_BN=m.no_BN, no_reslink=m.no_reslink,
                              use_se=m.use_se)
        model = build_network(self.spec, pretrained=m.pretrained)
        if not m.pretrained:
            init_weights(model, cfg.tricks.weight_init)
        set_bn_options(model, cfg.tricks.bn_momentum, cfg.tricks.bn_eps)
        if cfg.run.load_parameters_from:
            load_parameters_from(model, cfg.run.load_parameters_from, strict=cfg.run.strict_load)
        self.task = (self.task_factory or (lambda tr, mo, da: ClassificationTask(mo, tr.size)))(self, model, data)
        self.precision = resolve_precision(cfg.precision, b.device)
        self.task.to(b.device, self.precision.memory_format)
        self.criterion = Criterion(k, label_smoothing=cfg.tricks.label_smoothing, mixup=cfg.tricks.mixup,
                                   mixup_alpha=cfg.tricks.mixup_alpha)
        self.optimizer = build_optimizer(param_groups(self.task.net, cfg.optim.weight_decay), cfg.optim,
                                         cfg.schedule.lr)
        self.samples_per_epoch = len(data.train)
        s = cfg.schedule
        self.schedule = LRSchedule(s.lr_mode, s.lr, s.target_lr, s.warmup, cfg.run.epochs, self.samples_per_epoch,
                                   parse_stage_list(s.lr_stage_list), s.lr_stage_decay)
        self.ema = ModelEMA(self.task.model, cfg.tricks.ema_decay) if cfg.tricks.ema else None
        self.status, self.history, self.start_epoch = st.new_status(), [], cfg.run.start_epoch
        resume = self._resume_path()
        ckpt = load_checkpoint(resume) if resume else None
        if ckpt is not None:
            self._load_state(ckpt, resume)
        self.wrapped, self.optimizer = b.wrap(self.task.net, self.optimizer,
                                              batches_per_allreduce=cfg.dist.batches_per_allreduce,
                                              fp16_allreduce=cfg.dist.fp16_allreduce)
        self.train_loader, self.sampler, self.val_loader, self.loader_gen = make_loaders(
            data, batch_size=cfg.data.batch_size_per_gpu, workers=cfg.data.workers_per_gpu, world=b.data_world,
            rank=b.data_rank, seed=seed + (b.rank if b.independent else 0), pin_memory=b.device.type == "cuda")
        if len(self.train_loader) < cfg.dist.batches_per_allreduce:
            raise ConfigError(f"{len(self.train_loader)} batches per epoch, fewer than --batches_per_allreduce "
                              f"{cfg.dist.batches_per_allreduce}")
        st.seed_all(rank_seed + 7919 * (b.rank + 1))  # per-rank streams for augmentation / mixup
        if ckpt is not None and "rng" in ckpt:
            rngs = ckpt["rng"]  # one state per rank (an independent-training checkpoint holds its own rank's)
            mine = (rngs[0] if b.independent and len(rngs) == 1
                    else rngs[b.rank] if len(rngs) == b.world_size else None)
            if mine is None:
                logger.warning("checkpoint RNG states are for %d process(es), this run has %d: reseeded",
                               len(rngs), b.world_size)
            else:
                st.restore_rng(mine, self.loader_gen)
        if b.rank == 0:
            st.write_config(self.cfg.flat(), self.save_dir)
        logger.info("model %s: %d parameters, %d classes, input %d; %d train images, global batch %d, lr %.4g -> "
                    "%.4g (%s), %d epochs", self.spec.label, sum(p.numel() for p in model.parameters()), k,
                    self.size, self.samples_per_epoch, cfg.data.batch_size, s.lr, s.target_lr, s.lr_mode,
                    cfg.run.epochs)
        return True

    def _resume_path(self) -> Path | None:
        r = self.cfg.run
        if r.resume:
            return Path(r.resume).expanduser()
        latest = st.latest_path(self.save_dir, self.backend.rank if self.backend.independent else 0)
        if r.auto_resume or (r.evaluate_only and not r.load_parameters_from):
            if latest.exists():
                return latest
            if r.evaluate_only and st.best_path(self.save_dir).exists():
                return st.best_path(self.save_dir)
        return None

    def _load_state(self, ckpt: dict[str, Any], path: Path) -> None:
        from zennas.checkpoint import state_dict_of

        try:
            self.task.model.load_state_dict(state_dict_of(ckpt))
            self.task.load_extra_state(ckpt)
        except (RuntimeError, KeyError) as exc:
            raise CheckpointError(f"{path} does not fit this network: {str(exc).splitlines()[0]}") from None
        if self.cfg.run.evaluate_only:
            return
        self._warn_changed_options(ckpt.get("config") or {}, path)
        if "optimizer" not in ckpt:
            raise CheckpointError(f"{path} has no optimizer state (a best-params file?): resume from latest-params")
        self.optimizer.load_state_dict(ckpt["optimizer"])
        if ckpt.get("scaler"):
            self.precision.scaler.load_state_dict(ckpt["scaler"])
        if self.ema is not None and ckpt.get("ema"):
            self.ema.load_state_dict(ckpt["ema"])
        self.status = dict(ckpt.get("training_status_info") or self.status)
        self.start_epoch = int(ckpt["epoch"])
        if self.backend.writes_checkpoints:
            self.history = st.read_metrics(self.save_dir, self.start_epoch, self.suffix)
            st.rewrite_metrics(self.save_dir, self.history, self.suffix)
        logger.info("resumed from %s at epoch %d (best top-1 %.2f%%)", path, self.start_epoch, self.status["best_acc1"])

    RUNTIME = {"resume", "auto_resume", "evaluate_only", "device", "gpu", "workers_per_gpu", "progress", "tensorboard",
               "print_freq", "save_freq", "save_dir", "threads", "dist_mode", "rank", "local_rank", "world_size"}

    def _warn_changed_options(self, old: dict[str, Any], path: Path) -> None:
        """Resuming with other training options is allowed (e.g. more --epochs) but changes the trajectory."""
        now = self.cfg.flat()
        changed = [f"{k} {old[k]!r} -> {now[k]!r}" for k in sorted(old) if k in now and k not in self.RUNTIME
                   and old[k] != now[k]]
        if changed:
            logger.warning("resuming %s with changed options (the run will differ from an uninterrupted one): %s",
                           path, "; ".join(changed))

    # ------------------------------------------------------------------ loop
    def train_epoch(self, epoch: int) -> dict[str, float]:
        cfg, b, prec = self.cfg, self.backend, self.precision
        net, task, opt, scaler = self.wrapped, self.task, self.optimizer, prec.scaler
        net.train()
        self.sampler.set_epoch(epoch)
        accum = cfg.dist.batches_per_allreduce
        steps = len(self.train_loader) // accum * accum
        bsz = cfg.data.batch_size_per_gpu
        samples = epoch * self.samples_per_epoch
        clip = cfg.optim.grad_clip
        clip_fn = (lambda: clip_gradients(task.net.parameters(), clip, cfg.optim.grad_clip_mode)) if clip else None
        acc = torch.zeros(2 + len(task.part_names), dtype=torch.float64, device=b.device)
        count = 0
        bar = self.log.bar(steps, f"epoch {epoch + 1}/{cfg.run.epochs}")
        every = max(1, min(20, cfg.run.print_freq))
        opt.zero_grad()  # set_to_none (torch default); Horovod takes no argument
        lr = self.schedule(samples)
        t0 = time.perf_counter()
        for i, (x, y) in enumerate(self.train_loader):
            if i >= steps:
                break
            last = i % accum == accum - 1
            if i % accum == 0:
                lr = self.schedule(samples)
                set_lr(opt, lr)
            x = x.to(b.device, non_blocking=True, memory_format=prec.memory_format)
            y = y.to(b.device, non_blocking=True)
            xin, target = self.criterion.prepare(x, y)
            with b.no_sync(net, not last):
                with prec.autocast():
                    loss, logits, parts = task.forward_loss(net, xin, target, self.criterion)
                scaler.scale(loss / accum if accum > 1 else loss).backward()
            if last:
                b.step(opt, scaler, clip_fn)
                opt.zero_grad()  # set_to_none (torch default); Horovod takes no argument
                if self.ema is not None:
                    self.ema.update(task.model)
                for cb in self.callbacks:
                    cb({"epoch": epoch, "step": i // accum, "samples": samples, "lr": lr})
            samples += bsz * b.data_world
            count += bsz
            with torch.no_grad():
                acc += torch.stack([loss.detach().double() * bsz, (logits.argmax(1) == y).sum().double()]
                                   + [p.detach().double() * bsz for p in parts])
            if (i + 1) % every == 0 or i + 1 == steps:
                rate = (i + 1) * bsz * b.data_world / max(1e-9, time.perf_counter() - t0)
                bar.goto(i + 1, loss=f"{loss.item():.3f}", lr=f"{lr:.3g}", img_s=f"{rate:.0f}")
            if (i + 1) % cfg.run.print_freq == 0:
                logger.info("epoch %d iter %d/%d: loss %.4f lr %.5g", epoch + 1, i + 1, steps, loss.item(), lr)
                self.log.scalars(epoch * steps + i + 1, {"train/loss_step": loss.item(), "train/lr_step": lr})
        bar.close()
        seconds = time.perf_counter() - t0
        local = torch.cat([acc.cpu(), torch.tensor([float(count)], dtype=torch.float64)])
        total = b.all_reduce_sum(local.clone()).cpu()
        n, nl = max(1.0, float(total[-1])), max(1.0, float(count))
        rec = {"lr": lr, "train_loss": float(total[0]) / n, "train_top1": 100.0 * float(total[1]) / n,
               "train_loss_local": float(local[0]) / nl, "train_top1_local": 100.0 * float(local[1]) / nl,
               "train_images": int(n), "train_seconds": seconds, "images_per_s": n / max(1e-9, seconds)}
        for j, name in enumerate(task.part_names):
            rec[f"train_{name}"] = float(total[2 + j]) / n
        return rec

    @torch.no_grad()
    def validate(self, model: nn.Module) -> dict[str, float]:
        b, prec = self.backend, self.precision
        b.sync_buffers(model)
        was = model.training
        model.eval()
        acc = torch.zeros(4, dtype=torch.float64, device=b.device)
        with prec.autocast():
            for x, y in self.val_loader:
                x = x.to(b.device, non_blocking=True, memory_format=prec.memory_format)
                y = y.to(b.device, non_blocking=True)
                logits = self.task.eval_logits(model, x).float()
                top = logits.topk(min(5, logits.shape[1]), dim=1).indices
                acc += torch.stack([F.cross_entropy(logits, y, reduction="sum").double(),
                                    (top[:, 0] == y).sum().double(), (top == y[:, None]).any(1).sum().double(),
                                    torch.tensor(float(y.numel()), dtype=torch.float64, device=b.device)])
        model.train(was)
        t = b.all_reduce_sum(acc.cpu()).cpu()
        n = max(1.0, float(t[3]))
        return {"loss": float(t[0]) / n, "top1": 100.0 * float(t[1]) / n, "top5": 100.0 * float(t[2]) / n,
                "images": int(t[3])}

    # ------------------------------------------------------------------ checkpoints
    def checkpoint(self, epoch: int, val: dict[str, float], *, full: bool, model: nn.Module | None = None,
                   extra: bool = True) -> dict[str, Any]:
        model = model or self.task.model
        ck = {"epoch": epoch, "state_dict": model.state_dict(), "top1_acc": val["top1"], "top5_acc": val["top5"],
              "training_status_info": dict(self.status), "model": self.spec.to_dict(),
              "preprocess": self.data.preprocess.to_dict(), "config": self.cfg.flat()}
        if extra:
            ck.update(self.task.extra_state())
        if full:
            ck.update(optimizer=self.optimizer.state_dict(), scaler=self.precision.scaler.state_dict(),
                      ema=self.ema.state_dict() if self.ema is not None else None,
                      schedule={"samples_seen": epoch * self.samples_per_epoch,
                                "samples_per_epoch": self.samples_per_epoch})
        return ck

    def save_best(self, epoch: int, val: dict[str, float]) -> None:
        save_checkpoint(self.checkpoint(epoch, val, full=False), st.best_path(self.save_dir, self.file_rank))

    def fit(self) -> TrainResult:
        ok = False
        try:
            if not self.setup():
                logger.info("skip: %s exists (training finished); delete it to train again",
                            self.save_dir / self.done_name)
                ok = True
                return TrainResult(None, {}, [], self.save_dir, skipped=True)  # type: ignore[arg-type]
            cfg = self.cfg
            if cfg.run.evaluate_only:
                if not (cfg.run.load_parameters_from or self._resume_path()):
                    logger.warning("--evaluate_only without weights (--load_parameters_from, --resume or a "
                                   "checkpoint in --save_dir): evaluating the initial network")
                ev = self.validate(self.task.model)
                logger.info("evaluation: top-1 %.3f%% top-5 %.3f%% loss %.4f on %d images", ev["top1"], ev["top5"],
                            ev["loss"], ev["images"])
                ok = True
                return self._result(evaluation=ev)
            for epoch in range(self.start_epoch, cfg.run.epochs):
                self._epoch(epoch)
            self._finish()
            ok = True
            return self._result()
        finally:
            if getattr(self, "log", None) is not None:
                self.log.close()
            if getattr(self, "backend", None) is not None:
                self.backend.shutdown(barrier=ok)

    def _epoch(self, epoch: int) -> None:
        cfg, b, s = self.cfg, self.backend, self.status
        rec = {"epoch": epoch + 1, **self.train_epoch(epoch)}
        t0 = time.perf_counter()
        val = self.validate(self.task.model)
        rec.update({f"val_{k}": v for k, v in val.items()})
        ema_val = self.validate(self.ema.module) if self.ema is not None else None
        if ema_val is not None:
            rec.update({f"val_ema_{k}": v for k, v in ema_val.items()})
        s["validation_elasped_time"] += time.perf_counter() - t0
        s["training_elasped_time"] += rec["train_seconds"]
        improved = val["top1"] > s["best_acc1"]
        if improved:
            s["best_acc1"], s["best_acc1_at_epoch"] = val["top1"], epoch + 1
        if val["top5"] > s["best_acc5"]:
            s["best_acc5"], s["best_acc5_at_epoch"] = val["top5"], epoch + 1
        ema_best = ema_val is not None and ema_val["top1"] > s.get("best_ema_acc1", -1.0)
        if ema_best:
            s["best_ema_acc1"] = ema_val["top1"]
        last = epoch + 1 == cfg.run.epochs
        save_latest = (epoch + 1) % cfg.run.save_freq == 0 or last
        rngs = b.all_gather_object(st.capture_rng(self.loader_gen)) if save_latest else None
        # the epoch's metrics line first: a checkpoint at epoch k then implies lines 1..k (a kill between the two
        # leaves an extra line, which a resume from the previous checkpoint drops and re-trains)
        self.history.append(rec)
        self.log.epoch(rec)
        if b.writes_checkpoints:
            if improved:
                self.save_best(epoch + 1, val)
            if ema_best:
                save_checkpoint(self.checkpoint(epoch + 1, ema_val, full=False, model=self.ema.module, extra=False),
                                st.best_path(self.save_dir, self.file_rank, "ema_"))
            if save_latest:
                ck = self.checkpoint(epoch + 1, val, full=True)
                ck["rng"] = rngs
                save_checkpoint(ck, st.latest_path(self.save_dir, self.file_rank))
        ema_txt = f", EMA top-1 {ema_val['top1']:.2f}%" if ema_val is not None else ""
        parts = "".join(f", {n} {rec['train_' + n]:.4f}" for n in self.task.part_names)
        logger.info("epoch %d/%d: train loss %.4f top-1 %.2f%%%s | val loss %.4f top-1 %.2f%% top-5 %.2f%%%s | "
                    "lr %.4g, %.0f img/s", epoch + 1, cfg.run.epochs, rec["train_loss"], rec["train_top1"], parts,
                    val["loss"], val["top1"], val["top5"], ema_txt, rec["lr"], rec["images_per_s"])

    def _finish(self) -> None:
        s = self.status
        if self.backend.rank == 0:
            st.write_done(self.save_dir, s)
        logger.info("done: best top-1 %.3f%% (epoch %d), best top-5 %.3f%% (epoch %d); training %.1f s, validation "
                    "%.1f s; checkpoints in %s", s["best_acc1"], s["best_acc1_at_epoch"], s["best_acc5"],
                    s["best_acc5_at_epoch"], s["training_elasped_time"], s["validation_elasped_time"], self.save_dir)

    def _result(self, evaluation: dict | None = None) -> TrainResult:
        b = self.backend
        return TrainResult(self.task.model, dict(self.status), list(self.history), self.save_dir, b.rank,
                           b.world_size, self.ema.module if self.ema is not None else None,
                           evaluation=evaluation, config=self.cfg.flat())


def train(cfg: TrainConfig, **kw: Any) -> TrainResult:
    """Run (or resume, or skip) one training job; see :class:`Trainer`."""
    return Trainer(cfg, **kw).fit()


def images_per_second(history: list[dict[str, Any]]) -> float:
    """Training throughput over a run's epochs (total images / total training seconds)."""
    n = sum(r["train_images"] for r in history)
    t = sum(r["train_seconds"] for r in history)
    return n / t if t > 0 else math.nan
