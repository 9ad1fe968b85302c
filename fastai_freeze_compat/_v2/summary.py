"""fastai v1's ``learn.summary()`` layout on fastai 2 (issue 3)."""
__all__ = ["SummaryMixin"]


class SummaryMixin:
    "v1's `summary()`; mixed into `Learner`."
