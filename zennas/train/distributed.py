"""Process topology behind one interface: a single process, torchrun (DDP; gloo on CPU, nccl on CUDA)
or horovodrun (``--dist_mode horovod``).  The training loop calls the same methods in every case:

* :meth:`Backend.wrap` (DDP wrapper / Horovod ``DistributedOptimizer`` + broadcast of parameters,
  buffers and optimizer state from rank 0),
* :meth:`Backend.no_sync` around the micro-batches of a gradient-accumulation cycle but the last,
* :meth:`Backend.step` (unscale -> clip -> step -> scaler update, with Horovod's synchronize),
* :meth:`Backend.all_reduce_sum` for logged metrics, :meth:`Backend.all_gather_object` for RNG states.

``--independent_training`` keeps the process ranks (file names, seeds) but no collective is used:
every process trains its own copy on the whole training set.
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Any, Callable

import torch
from torch import nn

from zennas.train.config import ConfigError, DistOptions

logger = logging.getLogger("zennas.train")


class Backend:
    name = "single"

    def __init__(self, device: torch.device, rank: int = 0, world_size: int = 1, local_rank: int = 0,
                 local_world_size: int = 1, independent: bool = False) -> None:
        self.device, self.rank, self.world_size = device, rank, world_size
        self.local_rank, self.local_world_size, self.independent = local_rank, local_world_size, independent

    # data sharding / LR scaling see this world (1 for independent training)
    @property
    def data_world(self) -> int:
        return 1 if self.independent else self.world_size

    @property
    def data_rank(self) -> int:
        return 0 if self.independent else self.rank

    @property
    def writes_checkpoints(self) -> bool:
        return self.independent or self.rank == 0

    def wrap(self, net: nn.Module, optimizer: torch.optim.Optimizer, *, batches_per_allreduce: int = 1,
             fp16_allreduce: bool = False) -> tuple[nn.Module, torch.optim.Optimizer]:
        return net, optimizer

    def no_sync(self, wrapped: nn.Module, skip: bool):
        return contextlib.nullcontext()

    def step(self, optimizer: torch.optim.Optimizer, scaler: torch.amp.GradScaler,
             clip: Callable[[], None] | None) -> None:
        if clip is not None:
            scaler.unscale_(optimizer)
            clip()
        scaler.step(optimizer)
        scaler.update()

    def all_reduce_sum(self, t: torch.Tensor) -> torch.Tensor:
        return t

    def all_gather_object(self, obj: Any) -> list[Any]:
        return [obj]

    def sync_buffers(self, module: nn.Module) -> None:
        """Make BN statistics equal to rank 0's before validating / saving (DDP already does)."""

    def shutdown(self, barrier: bool = True) -> None:
        pass


class DDPBackend(Backend):
    name = "torchrun"

    def __init__(self, *a, sync_bn: bool = False, **kw) -> None:
        super().__init__(*a, **kw)
        import torch.distributed as dist

        self.dist = dist
        self.sync_bn = sync_bn
        backend = "nccl" if self.device.type == "cuda" else "gloo"
        if not dist.is_initialized():
            dist.init_process_group(backend=backend)
        logger.info("DDP: rank %d/%d, backend %s, device %s", self.rank, self.world_size, backend, self.device)

    def wrap(self, net, optimizer, *, batches_per_allreduce=1, fp16_allreduce=False):
        from torch.nn.parallel import DistributedDataParallel as DDP

        if self.sync_bn:
            if self.device.type == "cuda":
                net = nn.SyncBatchNorm.convert_sync_batchnorm(net)
            else:
                logger.warning("--sync_bn needs CUDA (SyncBatchNorm); ignored on %s", self.device)
        if fp16_allreduce:
            logger.warning("--fp16_allreduce is a Horovod option; DDP all-reduces in the gradient dtype")
        ids = [self.device.index] if self.device.type == "cuda" else None
        return DDP(net, device_ids=ids), optimizer

    def no_sync(self, wrapped, skip):
        return wrapped.no_sync() if skip else contextlib.nullcontext()

    def all_reduce_sum(self, t):
        t = t.to(self.device) if self.device.type == "cuda" else t.cpu()
        self.dist.all_reduce(t, op=self.dist.ReduceOp.SUM)
        return t

    def sync_buffers(self, module):
        # DDP broadcasts buffers before each forward, so after the last step the ranks differ by one update
        for b in module.buffers():
            self.dist.broadcast(b.data, src=0)

    def all_gather_object(self, obj):
        out: list[Any] = [None] * self.world_size
        self.dist.all_gather_object(out, obj)
        return out

    def shutdown(self, barrier=True):
        if self.dist.is_initialized():
            if barrier:
                self.dist.barrier()
            self.dist.destroy_process_group()


class HorovodBackend(Backend):
    name = "horovod"

    def __init__(self, hvd, *a, **kw) -> None:
        super().__init__(*a, **kw)
        self.hvd = hvd
        logger.info("Horovod: rank %d/%d (local %d), device %s", self.rank, self.world_size, self.local_rank,
                    self.device)

    def wrap(self, net, optimizer, *, batches_per_allreduce=1, fp16_allreduce=False):
        hvd = self.hvd
        hvd.broadcast_parameters(net.state_dict(), root_rank=0)
        hvd.broadcast_optimizer_state(optimizer, root_rank=0)
        compression = hvd.Compression.fp16 if fp16_allreduce else hvd.Compression.none
        optimizer = hvd.DistributedOptimizer(optimizer, named_parameters=net.named_parameters(),
                                             compression=compression, backward_passes_per_step=batches_per_allreduce)
        return net, optimizer

    def step(self, optimizer, scaler, clip):
        if clip is None and not scaler.is_enabled():
            optimizer.step()
            return
        optimizer.synchronize()
        scaler.unscale_(optimizer)
        if clip is not None:
            clip()
        with optimizer.skip_synchronize():
            scaler.step(optimizer)
        scaler.update()

    def all_reduce_sum(self, t):
        return self.hvd.allreduce(t.cpu() if self.device.type == "cpu" else t, op=self.hvd.Sum)

    def all_gather_object(self, obj):
        return self.hvd.allgather_object(obj)

    def sync_buffers(self, module):
        self.hvd.broadcast_parameters(dict(module.named_buffers()), root_rank=0)


def _torchrun_env() -> tuple[int, int, int, int] | None:
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        return None
    ws = int(os.environ["WORLD_SIZE"])
    lr = int(os.environ.get("LOCAL_RANK", 0))
    return int(os.environ["RANK"]), ws, lr, int(os.environ.get("LOCAL_WORLD_SIZE", ws))


def _device(d: DistOptions, local_rank: int, multi: bool) -> torch.device:
    if d.gpu is not None:
        name = f"cuda:{d.gpu}"
    elif d.device:
        name = d.device
    elif d.dist_mode == "single" or (multi and torch.cuda.is_available()):
        name = "cuda"
    else:
        name = "cpu"
    dev = torch.device(name)
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(f"device {name} requested but CUDA is not available (torch "
                              f"{torch.__version__}); use --device cpu")
        if dev.index is None:
            dev = torch.device("cuda", local_rank if multi else 0)
        torch.cuda.set_device(dev)
    return dev


def create_backend(d: DistOptions) -> Backend:
    """The backend for this process (see the module docstring)."""
    if d.dist_mode == "horovod":
        try:
            import horovod.torch as hvd
        except ImportError as exc:
            raise ConfigError(f"--dist_mode horovod: Horovod is not installed ({exc}); build it with "
                              "scripts/install_horovod.sh and start with horovodrun -np N") from None
        hvd.init()
        topo = (hvd.rank(), hvd.size(), hvd.local_rank(), hvd.local_size())
        dev = _device(d, topo[2], True)
        if d.independent_training:
            return Backend(dev, *topo, independent=True)
        return HorovodBackend(hvd, dev, *topo)
    env = _torchrun_env()
    if d.dist_mode in ("torchrun", "ddp") and env is None:
        raise ConfigError(f"--dist_mode {d.dist_mode} needs the torchrun environment (RANK, WORLD_SIZE): start "
                          "with torchrun --nproc_per_node N train_image_classification.py ...")
    if env is None or env[1] == 1:
        return Backend(_device(d, 0, False), independent=d.independent_training)
    dev = _device(d, env[2], True)
    if d.independent_training:
        return Backend(dev, *env, independent=True)
    return DDPBackend(dev, *env, sync_bn=d.sync_bn)
