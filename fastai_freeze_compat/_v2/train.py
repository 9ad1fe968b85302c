"""fastai v1's training API on fastai 2: ``fit``, ``fit_one_cycle``, ``lr_find``, v1's Recorder (issue 4)."""
__all__ = ["TrainMixin"]


class TrainMixin:
    "v1's `fit` / `fit_one_cycle` / `lr_find` / recorder; mixed into `Learner`."
