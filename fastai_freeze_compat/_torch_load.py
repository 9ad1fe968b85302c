"""What torch's weights-only loader must allow for the checkpoints fastai v1 writes, for both backends.

``learn.save`` in fastai v1 writes ``{'model': state_dict, 'opt': torch optimizer state}``: besides tensors, the
optimizer state holds ``slice`` learning rates (``defaults.lr``, put there by ``freeze()`` / ``create_opt``) and
numpy scalars (the learning rates and momentums of a fit). torch >= 2.6 loads weights-only by default and refuses
both. :func:`v1_safe_globals` is that short list; the fastai 2 backend (``_v2/_checkpoint.py``) loads v1 files
with it, and on fastai 1.0.61 the repair in ``_v1/load_fix.py`` gives it to fastai's own ``torch.load`` calls.

Imports torch and numpy only (no fastai): importable with either fastai line, and on Python 3.7.
"""
import numpy as np
import torch
from packaging.version import Version

__all__ = ["v1_safe_globals", "torch_at_least"]


def torch_at_least(major, minor):
    "True when the installed torch is at least `major.minor`."
    return Version(torch.__version__).release[:2] >= (major, minor)


def _numpy_scalar():
    # numpy 2.0 moved numpy.core to numpy._core (numpy 1.26 already has the new path as an alias).
    try: from numpy._core.multiarray import scalar
    except ImportError: from numpy.core.multiarray import scalar
    return scalar


def v1_safe_globals():
    """What torch's weights-only loader must allow, besides tensors, for checkpoints written by fastai v1:
    `slice` (v1's `defaults.lr` in optimizer states saved before any fit) and numpy float scalars
    (learning rates after a fit), under the module path of numpy 1 and of numpy 2."""
    scalar = _numpy_scalar()
    allowed = [slice, np.dtype]
    # torch 2.6 added (object, "module.name") entries: a file pickled under numpy 1 names
    # numpy.core.multiarray.scalar, one pickled under numpy 2 numpy._core.multiarray.scalar.
    if torch_at_least(2, 6):
        allowed += [(scalar, "numpy.core.multiarray.scalar"), (scalar, "numpy._core.multiarray.scalar")]
    else:
        allowed.append(scalar)
    # numpy 1.25 added per-dtype classes (numpy.dtypes.Float64DType, ...), which a pickled dtype rebuilds.
    dtypes = getattr(np, "dtypes", None)
    if dtypes is not None:
        for name in ("Float16DType", "Float32DType", "Float64DType", "Int8DType", "Int16DType", "Int32DType",
                     "Int64DType", "UInt8DType", "UInt16DType", "UInt32DType", "UInt64DType", "BoolDType"):
            if hasattr(dtypes, name): allowed.append(getattr(dtypes, name))
    return allowed
