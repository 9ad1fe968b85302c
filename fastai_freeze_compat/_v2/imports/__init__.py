"""fastai v1's ``fastai/imports/``: ``core.py``'s helpers (the modules v1 re-exported are identical names)."""
