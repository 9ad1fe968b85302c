"""Which files, which labels, which split: fastai v1's item lists (``fastai/data_block.py``, 1.0.61).

v1 and fastai 2 both list folders with an unsorted ``os.walk``, but v1 skips hidden folders differently,
does not follow links and can exclude a top-level ``test`` folder; its random split draws from NumPy's
*global* generator (``np.random.permutation``; ``seed`` calls ``np.random.seed``) where fastai 2's
``RandomSplitter`` draws from torch's, and v1 keeps the training items in listing order. This module
reproduces v1 exactly; everything downstream (opening images, categorizing) is fastai 2's.
"""
import os
from pathlib import Path

import numpy as np
import PIL.Image
from fastai.data.transforms import image_extensions

__all__ = ["get_files", "list_folder", "rand_split_idxs", "folder_split_idxs",
           "filter_by_classes", "check_images"]


def _keep(names, extensions):
    if isinstance(extensions, str): extensions = [extensions]
    low = None if extensions is None else {e.lower() for e in extensions}
    return [o for o in names if not o.startswith(".") and (low is None or f'.{o.split(".")[-1].lower()}' in low)]


def get_files(path, extensions=None, recurse=False, exclude=None, include=None):
    "Return list of files in `path` that have a suffix in `extensions`; optionally `recurse` (v1's order)."
    path = Path(path)
    if not recurse:
        return [path / o for o in _keep([e.name for e in os.scandir(path) if e.is_file()], extensions)]
    res = []
    for i, (p, d, f) in enumerate(os.walk(path, followlinks=False)):
        # v1 filters the top level by `include` / `exclude` (and then keeps hidden folders there), hidden
        # folders below it. v1 1.0.61 tested `name in exclude` on a str (a substring test: a class named
        # 'es' was dropped with test='test') and raised TypeError on a Path: here it is the folder name.
        if include is not None and i == 0: d[:] = [o for o in d if o in include]
        elif exclude is not None and i == 0: d[:] = [o for o in d if o not in exclude]
        else: d[:] = [o for o in d if not o.startswith(".")]
        res += [Path(p) / o for o in _keep(f, extensions)]
    return res


def _missing_folder(path, what):
    return AssertionError(f"{path} is not a valid directory: {what} must be an existing folder"
                          + ("" if Path(path).is_absolute() else f" (relative to {Path.cwd()})")
                          + ". Check the path, e.g. `path.ls()` on its parent.")


def _excluded_names(path, test):
    "The top-level folder names of `path` that are the test folder (v1 1.0.61's `exclude=test`)."
    if test is None: return None
    t = Path(test)
    if not t.is_absolute() and len(t.parts) == 1: return {t.name}
    try: return {(path / t).resolve().relative_to(path.resolve()).parts[0]}
    except (ValueError, IndexError): return set()   # the test folder is not inside `path`


def list_folder(path, test=None, what="path"):
    "The image files under `path` (recursively) in v1's order, without the top-level `test` folder."
    path = Path(path)
    if not path.is_dir(): raise _missing_folder(path, what)
    return get_files(path, image_extensions, recurse=True, exclude=_excluded_names(path, test))


def rand_split_idxs(n, valid_pct=0.2, seed=None):
    "v1's `split_by_rand_pct`: (train, valid) positions, drawn from NumPy's global generator."
    if valid_pct == 0: return np.arange(n), np.arange(0)     # v1's split_none(): no draw, no seeding
    if seed is not None: np.random.seed(seed)
    rand_idx = np.random.permutation(list(range(n)))
    cut = int(valid_pct * n)
    valid = rand_idx[:cut]
    return np.setdiff1d(np.arange(n), valid), valid


def folder_split_idxs(items, path, train="train", valid="valid"):
    "v1's `split_by_folder`: positions whose first folder under `path` is `train` / `valid`."
    k = len(Path(path).parts)
    first = [Path(o).parts[k] if len(Path(o).parts) > k else None for o in items]
    return ([i for i, f in enumerate(first) if f == str(train)],
            [i for i, f in enumerate(first) if f == str(valid)])


def filter_by_classes(labels, classes, multi=False):
    "Positions whose label is in `classes`, and the unknown labels (v1's `filter_missing_y`)."
    known = set(classes)
    if multi: return list(range(len(labels))), sorted({str(o) for l in labels for o in l if o not in known})
    keep = [i for i, l in enumerate(labels) if l in known]
    return keep, sorted({str(l) for l in labels if l not in known})


def check_images(items, what="image"):
    "Raise for files that are missing or that PIL cannot identify as images, naming them all."
    missing, broken = [], []
    for o in items:
        try:
            with PIL.Image.open(o): pass
        except FileNotFoundError: missing.append(str(o))
        except (PIL.UnidentifiedImageError, OSError, ValueError): broken.append(str(o))
    if missing:
        raise FileNotFoundError(f"{len(missing)} {what} file(s) do not exist: {_some(missing)}. Check the "
                                "folder / suffix / file name column you gave.")
    if broken:
        # The error fastai v1 raised for the same file (when a batch reached it), here when the data is built.
        raise PIL.UnidentifiedImageError(
            f"cannot identify {len(broken)} {what} file(s) as images: {_some(broken)}. Remove or replace them "
            "(fastai v1's `verify_images(path, delete=True)` removes unreadable images) and build the data again.")


def _some(names, n=5):
    return ", ".join(repr(o) for o in names[:n]) + (f" and {len(names) - n} more" if len(names) > n else "")
