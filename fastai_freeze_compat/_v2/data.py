"""fastai v1's data API (``ImageDataBunch``, ``get_transforms``, stats) on fastai 2 ``DataLoaders`` (issue 3)."""
__all__ = []
