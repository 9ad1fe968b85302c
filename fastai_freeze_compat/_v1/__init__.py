"""Pass-through on fastai 1.x: every public name of ``fastai.vision`` is fastai v1's own object.

Nothing is wrapped or changed; the package only re-exports, so notebooks get exactly what
``import fastai.vision as fv`` gave them.
"""
import fastai.vision as _fastai_vision

__all__ = sorted(name for name in vars(_fastai_vision) if not name.startswith("_"))

globals().update({name: getattr(_fastai_vision, name) for name in __all__})
