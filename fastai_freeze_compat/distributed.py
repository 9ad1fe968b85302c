"""fastai v1's ``fastai.distributed`` on the installed fastai: ``setup_distrib``, ``DistributedTrainer``,
``ParallelTrainer``, ``DistributedRecorder``, ``read_metrics`` (and ``learn.to_distributed`` /
``learn.to_parallel``, which the package's ``Learner`` has either way).

Written out here rather than filled from the recorded v1 namespace: real v1's module star-imports
``fastai.torch_core`` and (1.0.61) ``fastai.text``, whose hundreds of names a distributed script does not take
from it. On fastai 1.x these are real v1's own objects (importing it patches v1's ``Learner``, as v1 did); on
fastai 2 the package's (``_v2/distributed.py``), which patch nothing.
"""
from fastai_freeze_compat._fastai import is_v1 as _is_v1

#: v1's ``__all__``, then the attributes v1 scripts also imported from the module.
__all__ = ["DistributedRecorder", "DistributedTrainer", "read_metrics", "setup_distrib", "ParallelTrainer"]

if _is_v1():
    from fastai.distributed import DistributedRecorder, DistributedTrainer, ParallelTrainer, read_metrics, setup_distrib
else:
    from fastai_freeze_compat._v2.distributed import (DistributedRecorder, DistributedTrainer, ParallelTrainer,
                                                      read_metrics, setup_distrib)
