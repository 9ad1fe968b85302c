"""fastai v1's ``learn.save`` / ``learn.load`` on fastai 2: v1's paths, v1 checkpoints loaded safely."""
__all__ = ["CheckpointMixin"]


class CheckpointMixin:
    "v1's `save` / `load`; mixed into `Learner`."
