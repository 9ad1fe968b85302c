"""fastai v1's ``fastai.widgets`` (``ImageCleaner``, ``DatasetFormatter``, ``ClassConfusion``): passed through on
fastai 1.x (fastai 1.0.61's needs ``tqdm`` and 1.0.48's ``ipywidgets`` installed); not bridged on fastai 2."""
from .._fastai import is_v1

if is_v1():
    from fastai.widgets import *  # noqa: F401,F403
    from fastai import widgets as _widgets
    __all__ = [n for n in getattr(_widgets, "__all__", dir(_widgets)) if not n.startswith("_")]
else:
    raise ImportError("fastai v1's widgets (ImageCleaner, DatasetFormatter, ClassConfusion) are not bridged by "
                      "fastai_freeze_compat. Native fastai 2: `from fastai.vision.widgets import ImageClassifierCleaner` "
                      "(ImageClassifierCleaner(learn) replaces ImageCleaner; it needs ipywidgets)")
