"""fastai 1.0.61's ``ImageDataBunch.from_folder(path, test=Path(...))``, as the reference notebook calls it.

Since it gained a ``test`` argument (after 1.0.48), fastai v1 passes ``test`` on to
``get_files(exclude=test)``, which tests ``folder_name not in exclude``: a ``Path`` is not iterable, so
``test=Path(...)`` raises ``TypeError``, and a string excludes every top-level folder whose name is a
*substring* of it. The package's ``ImageDataBunch`` on such a fastai is a subclass whose ``from_folder``
excludes exactly the test folder (when it lies under ``path``) and otherwise does what fastai's does,
line for line. fastai's own class is not touched.
"""
import inspect
from pathlib import Path, PurePath

import fastai.vision as _fastai_vision

__all__ = []

_from_folder = _fastai_vision.ImageDataBunch.from_folder
#: True when this fastai's from_folder takes `test` and so needs the repair.
NEEDED = "test" in inspect.signature(_from_folder).parameters


def _test_exclude(path, test):
    "The top-level folder name of `test` under `path`, as a one-element list; None when it lies elsewhere."
    if test is None: return None
    t = Path(test)
    if not t.is_absolute(): return [t.parts[0]] if t.parts else None
    try: return [t.relative_to(path).parts[0]]
    except (ValueError, IndexError): return None


if NEEDED:
    class ImageDataBunch(_fastai_vision.ImageDataBunch):
        "fastai v1's `ImageDataBunch`, with `from_folder` accepting `test` as a name or a `Path`."

        @classmethod
        def from_folder(cls, path, train="train", valid="valid", test=None, valid_pct=None, seed=None,
                        classes=None, **kwargs):
            "Create from imagenet style dataset in `path` with `train`,`valid`,`test` subfolders (or provide `valid_pct`)."
            path = Path(path)
            il = _fastai_vision.ImageList.from_folder(path, exclude=_test_exclude(path, test))
            if valid_pct is None: src = il.split_by_folder(train=train, valid=valid)
            else: src = il.split_by_rand_pct(valid_pct, seed)
            src = src.label_from_folder(classes=classes)
            return cls.create_from_ll(src, test=str(test) if isinstance(test, PurePath) else test, **kwargs)

    __all__ = ["ImageDataBunch"]
