"""fastai v1's ``fastai.callbacks.tracker``: the names it bound, on the installed fastai (see ``fastai_freeze_compat._namespace``)."""
from fastai_freeze_compat._namespace import export

__all__ = export(globals(), 'fastai.callbacks.tracker')
