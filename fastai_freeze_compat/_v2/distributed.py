"""fastai v1's ``fastai/distributed.py`` on fastai 2: ``learn.to_distributed(cuda_id, cache_dir='tmp')``,
``learn.to_parallel()``, ``setup_distrib``, ``DistributedTrainer``, ``ParallelTrainer``, ``DistributedRecorder``
and ``read_metrics``, with v1's signatures, on fastai 2's training loop.

What v1 did, kept: the model is wrapped in ``DistributedDataParallel`` (``DataParallel``) when a fit begins
and unwrapped when it ends, so every fit wraps it anew. That is what freeze semantics need on several
processes: DDP all-reduces the gradients of the parameters that require grad *when it is built*, so
``freeze()`` -> fit -> ``unfreeze()`` -> fit wraps the unfrozen body for the second fit (a model wrapped
once, while frozen, would leave the body's gradients un-averaged and the ranks would drift apart). The
model's own modules and parameters are wrapped, not copied, so v1's layer groups, freeze state, and the
optimizer's per-group learning rates and weight decays are the same objects on every rank.

What fastai 2 does, kept (its ``fastai.distributed.DistributedDL``): each loader is split per fit into one
contiguous share per rank of rank 0's order, broadcast to the others (so shuffling is shared; v1 seeded a
torch permutation with the epoch number instead), padded by repeating indices to a multiple of the world
size; predictions and metrics are gathered across the ranks (``get_preds`` / ``validate`` return every
rank's items, the padding cut off). fastai 2's own ``DistributedTrainer`` needs Accelerate and NCCL (it
broadcasts on CUDA) and ``fastai.distributed`` patches fastai's ``Learner`` when imported; this module
imports neither: it drives ``DistributedDataParallel`` itself, with gloo on CPU and NCCL on GPUs.
"""
import os
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from fastai.callback.core import Callback
from fastai.callback.progress import ProgressCallback
from fastai.learner import Recorder as _Recorder
from fastai.torch_core import apply, find_bs, num_distrib, rank_distrib, to_detach
from fastcore.basics import noop
from fastcore.foundation import L
from torch.nn.parallel import DataParallel, DistributedDataParallel

from .callback import _LearnerCallback

__all__ = ["DistributedTrainer", "ParallelTrainer", "DistributedRecorder", "DistributedMixin", "read_metrics",
           "setup_distrib"]

_LAUNCH = ("launch the script once per device, e.g. `python -m fastai_freeze_compat.launch --gpus=01 script.py` "
           "or `torchrun --nproc_per_node=2 script.py`, and call `setup_distrib(gpu)` before building the learner")


def setup_distrib(gpu=None):
    """Set this process up for distributed training on `gpu` and return it (v1's script helper): the CUDA
    device when there is one, and the process group (NCCL on GPUs, gloo on CPU) when the launcher started
    several processes. Without `gpu` (torchrun, ``accelerate launch``), the launcher's ``LOCAL_RANK``."""
    if gpu is None:
        if num_distrib() <= 1: return gpu        # v1: nothing to set up in a single process
        gpu = os.environ.get("LOCAL_RANK", rank_distrib())
    gpu = int(gpu)
    cuda = torch.cuda.is_available()
    if cuda: torch.cuda.set_device(gpu)
    if num_distrib() > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if cuda else "gloo", init_method="env://")
    return gpu


def _world():
    if not (dist.is_available() and dist.is_initialized()):
        raise RuntimeError("distributed training needs a process group, and this process has none: " + _LAUNCH)
    return dist.get_rank(), dist.get_world_size()


def _broadcast(idxs):
    "Rank 0's `idxs` on every rank (NCCL broadcasts CUDA tensors only, gloo CPU ones)."
    t = torch.tensor(idxs, dtype=torch.long)
    if dist.get_backend() == "nccl": t = t.cuda()
    dist.broadcast(t, 0)
    return t.cpu().tolist()


class _Shares:
    """Mixed into a copy of a fastai 2 loader: this rank's contiguous share of rank 0's order, padded to a
    multiple of the world size, and `to_detach` gathering every rank's batch without the padding."""

    def _share(self, n): return -(-n // self.world_size)

    def __len__(self):
        n = self._share(self.n)
        if self.bs is None: return n
        return n // self.bs + (0 if self.drop_last or n % self.bs == 0 else 1)

    def get_idxs(self):
        order = self.__dict__.get("_order")     # `get_preds` passes the loader its order as `get_idxs=`
        idxs = _broadcast(list(order() if order is not None else super().get_idxs()))
        self._n_items = len(idxs)
        share = self._share(len(idxs))
        padded = share * self.world_size
        if idxs: idxs = (idxs * (padded // len(idxs) + 1))[:padded]
        return idxs[self.rank * share:(self.rank + 1) * share]

    def __iter__(self):
        self._seen = 0
        for b in super().__iter__():
            self._seen += find_bs(b)       # counted before the batch is used: `to_detach` reads it
            yield b

    def to_detach(self, b, cpu=True, gather=True):
        b = to_detach(b, cpu, gather)
        if not gather or not hasattr(self, "_seen"): return b
        return apply(self._unpad, b)

    def _unpad(self, x):
        "Drop the padding from `x`, the ranks' current batches gathered (rank order, equal sizes)."
        if x.ndim == 0: return x
        m, share = len(x) // self.world_size, self._share(self._n_items)
        keep = [max(0, min(m, self._n_items - (r * share + self._seen - m))) for r in range(self.world_size)]
        if sum(keep) == len(x): return x
        return torch.cat([x[r * m:r * m + k] for r, k in enumerate(keep)])


_SHARED_CLASSES = {}


def _shared(dl, rank, world_size):
    "A copy of the fastai 2 loader `dl` that loads this rank's share."
    if isinstance(dl, _Shares) or dl is None: return dl
    # v1's get_preds iterates a loader's batches through a wrapper (_predict._Batches): share the loader inside
    if hasattr(dl, "with_loader"): return dl.with_loader(lambda d: _shared(d, rank, world_size))
    if not hasattr(dl, "new"):
        raise TypeError(f"distributed training splits fastai 2 loaders (with `.new`), got a {type(dl).__name__}: "
                        "build the data with the package's ImageDataBunch or fastai 2's DataLoaders")
    cls = type(dl)
    if cls not in _SHARED_CLASSES:
        _SHARED_CLASSES[cls] = type(f"Distributed{cls.__name__}", (_Shares, cls), {})
    res = dl.new(cls=_SHARED_CLASSES[cls])
    # a `get_idxs=` given to the loader would shadow the share's: it becomes the order shared out
    res.__dict__["_order"] = res.__dict__.pop("get_idxs", None)
    res.rank, res.world_size, res.source = rank, world_size, dl
    return res


def _source(dl): return getattr(dl, "source", dl) if isinstance(dl, _Shares) else dl


def _bare(model):
    "The model inside a wrapper a fit interrupted by an exception left in place."
    while isinstance(model, (DataParallel, DistributedDataParallel)): model = model.module
    return model


class DistributedTrainer(_LearnerCallback, Callback):
    "Wrap the model in `DistributedDataParallel` and each loader in this rank's share, for each fit (fastai v1 API)."
    order = 11       # after TrainEvalCallback has put the model on the device, before the Recorder (v1: `_order=-20`)

    def __init__(self, learn, cuda_id=0):
        self._check_learn(learn)
        self.cuda_id, self.train_sampler = cuda_id, None

    def before_fit(self):
        self.rank, self.world_size = _world()
        model = _bare(self.learn.model)
        on_gpu = any(p.is_cuda for p in model.parameters())
        # built at each fit: DDP averages the gradients of the parameters that require grad now
        self.learn.model = DistributedDataParallel(model, device_ids=[self.cuda_id] if on_gpu else None,
                                                   output_device=self.cuda_id if on_gpu else None)
        self.old_dls = [_source(dl) for dl in self.dls.loaders]
        self.learn.dls.loaders = [_shared(dl, self.rank, self.world_size) for dl in self.old_dls]
        # v1: `recorder.silent = (rank != 0)`
        self.old_logger = self.learn.logger
        if self.rank: self.learn.logger = noop

    def _share_dl(self):
        rank, world_size = _world()
        self.learn.dl = _shared(self.learn.dl, rank, world_size)

    # `get_preds` and `validate` (outside a fit too) load and gather the ranks' shares
    def before_train(self): self._share_dl()
    def before_validate(self): self._share_dl()

    def after_fit(self):
        self.learn.model = _bare(self.learn.model)
        self.learn.dls.loaders = self.old_dls
        self.learn.logger = self.old_logger


class ParallelTrainer(_LearnerCallback, Callback):
    "Wrap the model in `DataParallel` for each fit, and unwrap it after (fastai v1 API)."
    order = 11

    def __init__(self, learn): self._check_learn(learn)
    def before_fit(self): self.learn.model = DataParallel(_bare(self.learn.model))
    def after_fit(self): self.learn.model = _bare(self.learn.model)


class DistributedRecorder(_LearnerCallback, Callback):
    "Save this rank's losses and metrics in `learn.path/cache_dir` after each epoch and fit (fastai v1 API)."
    order = _Recorder.order + 1     # after the Recorder has recorded the epoch

    def __init__(self, learn, cuda_id=0, cache_dir="tmp"):
        self._check_learn(learn)
        self.cuda_id, self.cache_dir = cuda_id, cache_dir

    def before_fit(self): os.makedirs(self.learn.path / self.cache_dir, exist_ok=True)
    def after_epoch(self): self.save_stats()
    def after_fit(self): self.save_stats()

    def save_stats(self):
        cache_path, recorder = self.learn.path / self.cache_dir, self.learn.recorder
        np.save(cache_path / f"losses_{self.cuda_id}", np.array([float(l) for l in recorder.losses]))
        metrics = getattr(recorder, "metrics", [])
        metrics = metrics if isinstance(metrics, list) else []
        stats = np.array([[float(v)] + [float(o) for o in m] for v, m in zip(recorder.val_losses, metrics)])
        np.save(cache_path / f"metrics_{self.cuda_id}", stats)


def read_metrics(cache_path, n_gpus, reduce=True):
    "The losses and metrics `DistributedRecorder` saved for `n_gpus` ranks in `cache_path`, averaged with `reduce`."
    cache_path = Path(cache_path)
    losses = [np.load(cache_path / f"losses_{i}.npy")[None] for i in range(n_gpus)]
    metrics = [np.load(cache_path / f"metrics_{i}.npy")[None] for i in range(n_gpus)]
    if reduce:
        return np.concatenate(losses, 0).mean(0), np.concatenate(metrics, 0).mean(0)
    return losses, metrics


class DistributedMixin:
    "v1's `learn.to_distributed` and `learn.to_parallel` (`fastai/distributed.py`); mixed into `Learner`."

    def to_distributed(self, cuda_id, cache_dir="tmp"):
        "Put `learn` on distributed training with `cuda_id`."
        if not (dist.is_available() and dist.is_initialized()):
            if num_distrib() <= 1: _world()          # raises, saying how to launch
            setup_distrib(cuda_id)
        self.callbacks.append(DistributedTrainer(self, cuda_id))
        self.callbacks.append(DistributedRecorder(self, cuda_id, cache_dir))
        # fastai 2's `to_distributed`: one progress bar, rank 0's
        if rank_distrib(): self.remove_cbs(L(self.cbs).filter(lambda cb: isinstance(cb, ProgressCallback)))
        return self

    def to_parallel(self):
        "Use nn.DataParallel when training and remove when done"
        if not torch.cuda.is_available():
            warnings.warn("CUDA is not available, check your drivers - training will continue on CPU", ResourceWarning)
        self.callbacks.append(ParallelTrainer(self))
        return self
