"""Pass-through on fastai 1.x: every public name of ``fastai.vision`` is fastai v1's own object.

Nothing is wrapped or changed; the package only re-exports, so notebooks get exactly what
``import fastai.vision as fv`` gave them. Two targeted repairs: on torch without ``torch.solve``,
fastai 1.0.61's warp transforms get a working solver (``transforms_fix``); where
``ImageDataBunch.from_folder`` takes ``test`` (after 1.0.48), ``fv.ImageDataBunch`` is a subclass whose
``from_folder`` accepts it as a ``Path``, as the reference notebook passes it (``data_fix``).
"""
import fastai.vision as _fastai_vision

import fastai.callbacks as _fastai_callbacks

__all__ = sorted(name for name in vars(_fastai_vision) if not name.startswith("_"))
globals().update({name: getattr(_fastai_vision, name) for name in __all__})

# v1 notebooks took SaveModelCallback, CSVLogger, ... from `fastai.callbacks`; the package offers them
# as `fv.<name>` on both fastai lines, so one notebook runs on both.
_CALLBACKS = sorted(n for n in getattr(_fastai_callbacks, "__all__", vars(_fastai_callbacks))
                    if not n.startswith("_") and n not in __all__)
globals().update({name: getattr(_fastai_callbacks, name) for name in _CALLBACKS})
__all__ = sorted(__all__ + _CALLBACKS)

# fastai 1.0.61's warp transforms call torch.solve, which today's torch removed: a targeted repair.
from . import transforms_fix  # noqa: E402,F401

# fastai 1.0.5x+ from_folder(test=Path(...)) crashes in get_files(exclude=test): a subclass repairs it.
from . import data_fix as _data_fix  # noqa: E402
globals().update({name: getattr(_data_fix, name) for name in _data_fix.__all__})
