"""Teacher-student training (ts_train_image_classification.py, ZENNAS_SPEC §6.4).

* Teacher: ``--teacher_arch`` (zoo / torchvision / MasterNet with ``--teacher_plainnet_struct[_txt]``) with
  ``--teacher_pretrained`` or ``--teacher_load_parameters_from``; or a training checkpoint alone
  (``--teacher_load_parameters_from RUN/best-params_rank0.pth`` rebuilds its network).  Eval mode, no
  gradients.  Models without ``extract_stage_features_and_logit`` (torchvision) get :class:`StageFeatures`.
* Data are loaded at max(student, teacher) size; each network sees a bilinear resize to its own size.
* Stage features at strides r, 2r, ... (r = ``--target_downsample_ratio``, 16) while both networks have
  them; one projection per stage: 1x1 conv (student -> teacher channels, bias) [+ BN] [+ ReLU], conv
  initialised N(0, 1/fan_in) x 1e-4.
* loss = CE(student; smoothing/mixup) + w_f * sum_s SmoothL1(proj_s(f_s), clamp(resize(t_s), +-ts_clip))
  + w_l * T^2 * softCE(student / T, softmax(teacher / T)); T = ``--teacher_logit_temperature`` (1).
* Checkpoints hold the student (``state_dict``, ``model``, ``preprocess``: loadable by val.py and
  :func:`zennas.checkpoint.model_from_checkpoint`) plus ``projections``; the frozen teacher is rebuilt
  from its options on resume.  ``student_best-params_rank0.pth`` = the best student alone.
"""

from __future__ import annotations

import logging
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from zennas.checkpoint import model_from_checkpoint, save_checkpoint
from zennas.train import state as st
from zennas.train.build import build_network, load_parameters_from, make_spec, read_structure
from zennas.train.config import ConfigError
from zennas.train.engine import ClassificationTask, Trainer
from zennas.train.init import init_weights
from zennas.train.losses import soft_cross_entropy

logger = logging.getLogger("zennas.train")


class StageFeatures(nn.Module):
    """``extract_stage_features_and_logit`` for any classifier: forward hooks on its stage modules
    (children, descending into Sequential/ModuleList containers of composite blocks) keep the last
    4-D output at each downsampling ratio; global pools are skipped."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        self._outs: list[torch.Tensor] = []
        self._armed = False
        for m in self._units(model):
            m.register_forward_hook(self._record)

    def _record(self, _m, _i, out) -> None:
        if self._armed and torch.is_tensor(out):
            self._outs.append(out)

    @staticmethod
    def _units(module: nn.Module) -> list[nn.Module]:
        out = []
        for child in module.children():
            if isinstance(child, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
                continue
            composite = isinstance(child, (nn.Sequential, nn.ModuleList)) and any(
                len(list(g.children())) for g in child.children())
            out += StageFeatures._units(child) if composite else [child]
        return out

    def extract_stage_features_and_logit(self, x: torch.Tensor, target_downsample_ratio: int = 16):
        self._outs, self._armed = [], True
        try:
            logit = self.model(x)
        finally:
            self._armed = False
        by_ratio: dict[int, torch.Tensor] = {}
        for o in self._outs:
            if o.ndim == 4 and o.shape[-1] > 0:
                by_ratio[round(x.shape[-1] / o.shape[-1])] = o
        self._outs, feats, r = [], [], target_downsample_ratio
        while r in by_ratio:
            feats.append(by_ratio[r])
            r *= 2
        return feats, logit

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def stage_extractor(model: nn.Module):
    return model.extract_stage_features_and_logit if hasattr(model, "extract_stage_features_and_logit") \
        else StageFeatures(model).extract_stage_features_and_logit


@torch.no_grad()
def dry_stage_features(extract, model: nn.Module, size: int, ratio: int) -> list[torch.Tensor]:
    """Stage features of one zero image (eval mode, so BN statistics are untouched)."""
    was = model.training
    model.eval()
    try:
        feats, _ = extract(torch.zeros(1, 3, size, size), ratio)
    finally:
        model.train(was)
    return feats


class DistillNet(nn.Module):
    """The optimised module: the student and its projections.  ``forward(x) -> (projected feats, logits)``."""

    def __init__(self, student: nn.Module, projections: nn.ModuleList, size: int, ratio: int, extract) -> None:
        super().__init__()
        self.student, self.projections, self.size, self.ratio = student, projections, size, ratio
        self.extract = extract

    def forward(self, x: torch.Tensor):
        if x.shape[-1] != self.size:
            x = F.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False)
        feats, logits = self.extract(x, self.ratio)
        return [p(f) for p, f in zip(self.projections, feats)], logits


class DistillTask(ClassificationTask):
    part_names = ("distill_feature_loss", "distill_logit_loss")

    def __init__(self, trainer: "DistillTrainer", student: nn.Module) -> None:
        super().__init__(student, trainer.size)
        d = trainer.cfg.distill
        self.teacher, self.teacher_size, self.teacher_info = build_teacher(trainer)
        self.teacher_extract = stage_extractor(self.teacher)
        self.fw, self.lw = d.teacher_feature_weight or 0.0, d.teacher_logit_weight or 0.0
        if not (self.fw or self.lw):
            raise ConfigError("ts training needs --teacher_feature_weight and/or --teacher_logit_weight (the "
                              "published recipes use 1.0 and 1.0)")
        self.T, self.clip = d.teacher_logit_temperature, d.ts_clip
        ratio = d.target_downsample_ratio or 16
        student_extract = stage_extractor(student)
        sf = dry_stage_features(student_extract, student, self.size, ratio)
        tf = dry_stage_features(self.teacher_extract, self.teacher, self.teacher_size, ratio)
        if self.fw and not (sf and tf):
            raise ConfigError(f"feature distillation: no stage features at stride {ratio} (student {len(sf)}, teacher "
                              f"{len(tf)} stages at strides {ratio}, {2 * ratio}, ...); set --target_downsample_ratio")
        if self.fw and len(sf) != len(tf):
            logger.warning("student has %d and teacher %d stages at strides %d, %d, ...: distilling the first %d",
                           len(sf), len(tf), ratio, 2 * ratio, min(len(sf), len(tf)))
        projs = []
        for s, t in zip(sf, tf) if self.fw else ():
            layers: list[nn.Module] = [nn.Conv2d(s.shape[1], t.shape[1], 1, bias=True)]
            if not d.ts_proj_no_bn:
                layers.append(nn.BatchNorm2d(t.shape[1]))
            if not d.ts_proj_no_relu:
                layers.append(nn.ReLU(inplace=True))
            proj = nn.Sequential(*layers)
            init_weights(proj, "zero", zero_scale=1e-4)
            projs.append(proj)
        self.projections = nn.ModuleList(projs)
        self.net = DistillNet(student, self.projections, self.size, ratio, student_extract)
        self.ratio = ratio
        logger.info("teacher %s at %d px: %d distilled stages, feature weight %g, logit weight %g (T=%g)",
                    self.teacher_info.get("label"), self.teacher_size, len(projs), self.fw, self.lw, self.T)

    def to(self, device, memory_format):
        super().to(device, memory_format)
        self.teacher.to(device=device, memory_format=memory_format)

    def forward_loss(self, net, x, target, criterion):
        with torch.no_grad():
            t_feats, t_logits = self.teacher_extract(self.resize(x, self.teacher_size), self.ratio)
        feats, logits = net(x)
        loss = criterion(logits, target)
        f_loss = logits.new_zeros((), dtype=torch.float32)
        for f, t in zip(feats, t_feats):
            t = t.float()
            if t.shape[-2:] != f.shape[-2:]:
                t = F.interpolate(t, size=f.shape[-2:], mode="bilinear", align_corners=False)
            if self.clip is not None:
                t = t.clamp(-self.clip, self.clip)
            f_loss = f_loss + F.smooth_l1_loss(f.float(), t)
        soft = F.softmax(t_logits.float() / self.T, dim=1)
        l_loss = soft_cross_entropy(logits.float() / self.T, soft) * self.T ** 2
        return loss + self.fw * f_loss + self.lw * l_loss, logits, [f_loss, l_loss]

    def extra_state(self) -> dict[str, Any]:
        return {"projections": self.projections.state_dict(), "teacher": self.teacher_info}

    def load_extra_state(self, ckpt: dict[str, Any]) -> None:
        if "projections" in ckpt:
            self.projections.load_state_dict(ckpt["projections"])


def build_teacher(tr: "DistillTrainer") -> tuple[nn.Module, int, dict[str, Any]]:
    """(teacher in eval mode without gradients, its resolution, a description for checkpoints)."""
    d = tr.cfg.distill
    src = d.teacher_load_parameters_from
    struct = read_structure(d.teacher_plainnet_struct, d.teacher_plainnet_struct_txt, "--teacher_plainnet_struct_txt")
    if d.teacher_arch is None and struct is None:
        if not src:
            raise ConfigError("no teacher: give --teacher_arch (with --teacher_pretrained or "
                              "--teacher_load_parameters_from) or a training checkpoint as --teacher_load_parameters_from")
        teacher, spec, pre, _ = model_from_checkpoint(src)
        size = d.teacher_input_image_size or spec.input_image_size
    else:
        if not (src or d.teacher_pretrained):
            raise ConfigError("the teacher needs trained weights: --teacher_load_parameters_from FILE or "
                              "--teacher_pretrained (torchvision)")
        size = d.teacher_input_image_size or tr.size
        spec = make_spec(d.teacher_arch, struct, d.teacher_num_classes or tr.num_classes, size)
        teacher = build_network(spec, pretrained=d.teacher_pretrained)
        if src:
            load_parameters_from(teacher, src, strict=True)
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher, size, {"label": spec.label, "model": spec.to_dict(), "source": str(src or "torchvision")}


class DistillTrainer(Trainer):
    """:class:`Trainer` with :class:`DistillTask`; writes ``student_best-params_rank<r>.pth`` too."""

    def __init__(self, cfg, **kw) -> None:
        if cfg.distill is None:
            raise ConfigError("DistillTrainer needs a config with distillation options (build_config(distill=True))")
        kw.setdefault("task_factory", lambda tr, model, data: DistillTask(tr, model))
        super().__init__(cfg, **kw)

    def lr_multiplier(self) -> float:
        return float(self.cfg.dist.batches_per_allreduce)

    def load_size(self) -> int:
        t = self.cfg.distill.teacher_input_image_size
        return max(self.size, t or self.size)

    def save_best(self, epoch, val) -> None:
        super().save_best(epoch, val)
        save_checkpoint(self.checkpoint(epoch, val, full=False, extra=False),
                        st.best_path(self.save_dir, self.file_rank, "student_"))
