"""fastai v1's ``fastai.train``: the names it bound, on the installed fastai (see ``fastai_freeze_compat._namespace``)."""
from fastai_freeze_compat._namespace import export

__all__ = export(globals(), 'fastai.train')
