"""`fastai_freeze_compat.distributed` on every stack: real v1's own objects on fastai 1.x (pass-through, issue
14), the package's `_v2/distributed.py` on fastai 2; `learn.to_distributed` / `learn.to_parallel` either way.
The two-process training itself is tests/test_distributed.py (fastai 2)."""
import importlib

import pytest

import fastai_freeze_compat as fv

NAMES = ("DistributedRecorder", "DistributedTrainer", "ParallelTrainer", "read_metrics", "setup_distrib")


def _real_v1_distributed():
    try:
        return importlib.import_module("fastai.distributed")
    except ImportError as e:
        # fastai 1.0.61's fastai/distributed.py star-imports fastai.text, which imports spaCy: a stack without
        # it cannot import real v1's module either, and the package's must fail the same way
        with pytest.raises(ImportError):
            importlib.import_module("fastai_freeze_compat.distributed")
        pytest.skip(f"real v1's fastai.distributed does not import on this stack ({e}); the package's fails alike")


def test_the_module_binds_v1s_names_from_the_installed_line():
    if fv.IS_V1:
        real = _real_v1_distributed()
        ours = importlib.import_module("fastai_freeze_compat.distributed")
        for name in NAMES:
            assert getattr(ours, name) is getattr(real, name), name
    else:
        ours = importlib.import_module("fastai_freeze_compat.distributed")
        backend = importlib.import_module("fastai_freeze_compat._v2.distributed")
        for name in NAMES:
            obj = getattr(ours, name)
            assert obj is getattr(backend, name), name
            assert not getattr(obj, "__module__", "").startswith("fastai."), (name, obj.__module__)


def test_the_learner_has_to_distributed_and_to_parallel():
    if fv.IS_V1:
        _real_v1_distributed()  # importing it gives v1's Learner the two methods, as v1 did
        from fastai.basic_train import Learner
    else:
        from fastai_freeze_compat._v2.basic_train import Learner
    assert callable(Learner.to_distributed) and callable(Learner.to_parallel)
