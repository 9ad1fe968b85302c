"""fastai v1's ``fastai/core.py`` on fastai 2: ``listify``, ``even_mults``, v1's ``defaults`` and the item
classes (``ItemBase``, ``Category``, ``MultiCategory``, ``EmptyLabel``, ``FloatItem``) with v1's printing, and
v1's pure helpers (``is_listy``, ``recurse``, ``array``, ``arrays_split``, ``subplots``, ...).

The ported helpers are fastai v1 1.0.61's definitions (fastai/core.py, Apache-2.0), adjusted only where
today's numpy removed something (v1's result is kept, and a comment says so).
Nothing here imports fastai: these are v1's definitions where fastai 2 changed them.
"""
import functools
import os
import tempfile
from collections import OrderedDict
from collections.abc import Iterable, Sized
from functools import partial
from numbers import Integral
from pathlib import Path
from types import SimpleNamespace

import numpy as np

__all__ = ["defaults", "listify", "even_mults", "check_epochs", "show_some", "ItemBase", "Category", "MultiCategory", "EmptyLabel",
           "FloatItem", "PrePostInitMeta", "is_listy", "is_tuple", "is_dict", "is_pathlike", "noop", "chunks", "recurse",
           "first_el", "to_int", "is1d", "uniqueify", "idx_dict", "find_classes", "arrays_split", "random_split",
           "extract_kwargs", "partition", "partition_by_cores", "series2cat", "recurse_eq", "range_of", "arange_of",
           "join_path", "join_paths", "loadtxt_str", "save_texts", "df_names_to_idx", "one_hot", "index_row",
           "func_args", "has_arg", "split_kwargs_by_func", "array", "text2html_table", "parallel", "subplots",
           "get_tmp_file", "compose", "float_or_x"]

#: The layouts of v1's `summary()`: fastai 1.0.48's (the reference notebook's) and 1.0.61's (the last v1).
SUMMARY_LAYOUTS = ("1.0.48", "1.0.61")

#: v1's `defaults` (fastai/core.py, fastai/basic_train.py): a namespace of this package, not fastai 2's
#: `defaults`. `lr` / `wd`: of `fit` / `fit_one_cycle` and the Learner; `return_fig`: whether the recorder's
#: plots return their figure; `silent`: the Learner's default for not printing the epoch table;
#: `extra_callbacks` / `extra_callback_fns`: added to every Learner / every fit. The package adds
#: `summary_layout`: the v1 release whose `summary()` table a learner prints ("1.0.61", the last v1;
#: `fastai-freeze-compat run` sets it for a notebook from its saved outputs, see `notebook.detect_summary_layout`).
#: v1's own fields (fastai/core.py): `cpus`, the default number of workers (`parallel`, data loaders),
#: and `cmap`, the default colour map; `device` is set by `_v2/torch_core.py`, where v1 set it.
def _num_cpus():
    # v1's `num_cpus` (fastcore.basics.num_cpus kept its definition: names.IDENTICAL)
    try: return len(os.sched_getaffinity(0))
    except AttributeError: return os.cpu_count()


defaults = SimpleNamespace(lr=slice(3e-3), wd=1e-2, return_fig=False, silent=False, extra_callbacks=None,
                           extra_callback_fns=None, summary_layout="1.0.61", cpus=min(16, _num_cpus()),
                           cmap="viridis")

def listify(p=None, q=None):
    "v1's `listify`: make `p` a list, repeated to the length of `q` if it has one element."
    if p is None: p = []
    elif isinstance(p, str): p = [p]
    elif not isinstance(p, Iterable): p = [p]
    else:
        try: len(p)
        except TypeError: p = [p]   # 0-d tensors are iterable but have no length
    n = q if type(q) == int else len(p) if q is None else len(q)
    if len(p) == 1: p = p * n
    if len(p) != n: raise ValueError(f"List len mismatch ({len(p)} vs {n})")
    return list(p)

def even_mults(start, stop, n):
    "v1's `even_mults`: `n` values from `start` to `stop`, evenly spaced on a log scale."
    if n < 2:
        # v1 divided by n-1 here; keep its exception type, say why.
        raise ZeroDivisionError(f"slice({start}, {stop}) spreads learning rates over layer groups, "
                                f"but there is only {n}; pass a single float, or split the model first")
    mult = stop / start
    step = mult ** (1 / (n - 1))
    return np.array([start * (step ** i) for i in range(n)])

def show_some(items, n_max=5, sep=","):
    "Return the representation of the first  `n_max` elements in `items`."
    if items is None or len(items) == 0: return ""
    res = sep.join([f"{o}" for o in items[:n_max]])
    if len(items) > n_max: res += "..."
    return res

# -- v1's items ---------------------------------------------------------------------------------
# -- v1's items ---------------------------------------------------------------------------------
class ItemBase:
    "Base item type in the fastai library."
    def __init__(self, data): self.data = self.obj = data
    def __repr__(self): return f"{self.__class__.__name__} {str(self)}"
    def show(self, ax, **kwargs):
        "Subclass this method if you want to customize the way this `ItemBase` is shown on `ax`."
        ax.set_title(str(self))
    def apply_tfms(self, tfms, **kwargs):
        "Subclass this method if you want to apply data augmentation with `tfms` to this `ItemBase`."
        if tfms: raise Exception(f"Not implemented: you can't apply transforms to this type of item ({self.__class__.__name__})")
        return self
    # v1: items are equal when their data are (`recurse_eq`), whatever their type or printed value
    def __eq__(self, other): return isinstance(other, ItemBase) and bool(recurse_eq(self.data, other.data))
    def __hash__(self): return hash(str(self))

class Category(ItemBase):
    "Basic class for single classification labels."
    def __init__(self, data, obj): self.data, self.obj = data, obj
    def __int__(self): return int(self.data)
    def __str__(self): return str(self.obj)

class MultiCategory(ItemBase):
    "Basic class for multi-classification labels."
    def __init__(self, data, obj, raw): self.data, self.obj, self.raw = data, obj, raw
    def __str__(self): return ";".join([str(o) for o in self.obj])

class EmptyLabel(ItemBase):
    "Should be used for a dummy label."
    def __init__(self): self.obj, self.data = 0, 0
    def __str__(self): return ""


def check_epochs(name, n):
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 0:
        raise TypeError(f"{name} is a number of epochs, a non-negative integer, got {n!r}")


# -- v1's pure helpers (fastai 1.0.61's fastai/core.py) -----------------------------------------------
def is_listy(x): return isinstance(x, (tuple, list))
def is_tuple(x): return isinstance(x, tuple)
def is_dict(x): return isinstance(x, dict)
def is_pathlike(x): return isinstance(x, (str, Path))
def noop(x): return x


class PrePostInitMeta(type):
    "A metaclass that calls optional `__pre_init__` and `__post_init__` methods"
    def __new__(cls, name, bases, dct):
        x = super().__new__(cls, name, bases, dct)
        old_init = x.__init__
        def _pass(self): pass
        @functools.wraps(old_init)
        def _init(self, *args, **kwargs):
            self.__pre_init__()
            old_init(self, *args, **kwargs)
            self.__post_init__()
        x.__init__ = _init
        if not hasattr(x, "__pre_init__"): x.__pre_init__ = _pass
        if not hasattr(x, "__post_init__"): x.__post_init__ = _pass
        return x


def chunks(l, n):
    "Yield successive `n`-sized chunks from `l`."
    for i in range(0, len(l), n): yield l[i:i + n]


def recurse(func, x, *args, **kwargs):
    if is_listy(x): return [recurse(func, o, *args, **kwargs) for o in x]
    if is_dict(x): return {k: recurse(func, v, *args, **kwargs) for k, v in x.items()}
    return func(x, *args, **kwargs)


def first_el(x):
    "Recursively get the first element of `x`."
    if is_listy(x): return first_el(x[0])
    if is_dict(x): return first_el(x[list(x.keys())[0]])
    return x


def to_int(b):
    "Recursively convert `b` to an int or list/dict of ints; raises exception if not convertible."
    return recurse(lambda x: int(x), b)


def _np_array(a, dtype=None, **kwargs):
    # `np.array`, keeping v1's result for ragged nested sequences: numpy < 1.24 made them an object array (with
    # a deprecation warning from 1.20), numpy >= 1.24 raises ValueError ("... inhomogeneous shape ...").
    try: return np.array(a, dtype=dtype, **kwargs)
    except ValueError as e:
        if dtype is not None or "inhomogeneous" not in str(e): raise
        return np.array(a, dtype=object, **kwargs)


def is1d(a):
    "Return `True` if `a` is one-dimensional"
    return len(a.shape) == 1 if hasattr(a, "shape") else len(_np_array(a).shape) == 1


def uniqueify(x, sort=False):
    "Return sorted unique values of `x`."
    res = list(OrderedDict.fromkeys(x).keys())
    if sort: res.sort()
    return res


def idx_dict(a):
    "Create a dictionary value to index from `a`."
    return {v: k for k, v in enumerate(a)}


def find_classes(folder):
    "List of label subdirectories in imagenet-style `folder`."
    classes = [d for d in folder.iterdir()
               if d.is_dir() and not d.name.startswith(".")]
    assert(len(classes) > 0)
    return sorted(classes, key=lambda d: d.name)


def arrays_split(mask, *arrs):
    "Given `arrs` is [a,b,...] and `mask`index - return[(a[mask],a[~mask]),(b[mask],b[~mask]),...]."
    assert all([len(arr) == len(arrs[0]) for arr in arrs]), "All arrays should have same length"
    mask = array(mask)
    return list(zip(*[(a[mask], a[~mask]) for a in map(_np_array, arrs)]))


def random_split(valid_pct, *arrs):
    "Randomly split `arrs` with `valid_pct` ratio. good for creating validation set."
    assert (valid_pct >= 0 and valid_pct <= 1), "Validation set percentage should be between 0 and 1"
    is_train = np.random.uniform(size=(len(arrs[0]),)) > valid_pct
    return arrays_split(is_train, *arrs)


def extract_kwargs(names, kwargs):
    "Extract the keys in `names` from the `kwargs`."
    new_kwargs = {}
    for arg_name in names:
        if arg_name in kwargs:
            arg_val = kwargs.pop(arg_name)
            new_kwargs[arg_name] = arg_val
    return new_kwargs, kwargs


def partition(a, sz):
    "Split iterables `a` in equal parts of size `sz`"
    return [a[i:i + sz] for i in range(0, len(a), sz)]


def partition_by_cores(a, n_cpus):
    "Split data in `a` equally among `n_cpus` cores"
    return partition(a, len(a) // n_cpus + 1)


def series2cat(df, *col_names):
    "Categorifies the columns `col_names` in `df`."
    for c in listify(col_names): df[c] = df[c].astype("category").cat.as_ordered()


def recurse_eq(arr1, arr2):
    if is_listy(arr1): return is_listy(arr2) and len(arr1) == len(arr2) and np.all([recurse_eq(x, y) for x, y in zip(arr1, arr2)])
    else: return np.all(np.atleast_1d(arr1 == arr2))


def range_of(x):
    "Create a range from 0 to `len(x)`."
    return list(range(len(x)))


def arange_of(x):
    "Same as `range_of` but returns an array."
    return np.arange(len(x))


def join_path(fname, path="."):
    "Return `Path(path)/Path(fname)`, `path` defaults to current dir."
    return Path(path) / Path(fname)


def join_paths(fnames, path="."):
    "Join `path` to every file name in `fnames`."
    path = Path(path)
    return [join_path(o, path) for o in fnames]


def loadtxt_str(path):
    "Return `ndarray` of `str` of lines of text from `path`."
    with open(path, "r") as f: lines = f.readlines()
    return np.array([l.strip() for l in lines])


def save_texts(fname, texts):
    "Save in `fname` the content of `texts`."
    with open(fname, "w") as f:
        for t in texts: f.write(f"{t}\n")


def df_names_to_idx(names, df):
    "Return the column indexes of `names` in `df`."
    if not is_listy(names): names = [names]
    if isinstance(names[0], int): return names
    return [df.columns.get_loc(c) for c in names]


def one_hot(x, c):
    "One-hot encode `x` with `c` classes."
    res = np.zeros((c,), np.float32)
    res[listify(x)] = 1.
    return res


def index_row(a, idxs):
    "Return the slice of `a` corresponding to `idxs`."
    import pandas as pd
    if a is None: return a
    if isinstance(a, (pd.DataFrame, pd.Series)):
        res = a.iloc[idxs]
        if isinstance(res, (pd.DataFrame, pd.Series)): return res.copy()
        return res
    return a[idxs]


def func_args(func):
    "Return the arguments of `func`."
    code = func.__code__
    return code.co_varnames[:code.co_argcount]


def has_arg(func, arg):
    "Check if `func` accepts `arg`."
    return arg in func_args(func)


def split_kwargs_by_func(kwargs, func):
    "Split `kwargs` between those expected by `func` and the others."
    args = func_args(func)
    func_kwargs = {a: kwargs.pop(a) for a in args if a in kwargs}
    return func_kwargs, kwargs


def array(a, dtype=None, **kwargs):
    "Same as `np.array` but also handles generators. `kwargs` are passed to `np.array` with `dtype`."
    if not isinstance(a, Sized) and not getattr(a, "__array_interface__", False):
        a = list(a)
    if np.int_ == np.int32 and dtype is None and is_listy(a) and len(a) and isinstance(a[0], int):
        dtype = np.int64
    # v1's np.array: a ragged list is an object array, as on the numpy of v1's time (see `_np_array`)
    return _np_array(a, dtype=dtype, **kwargs)


class FloatItem(ItemBase):
    "Basic class for float items."
    def __init__(self, obj): self.data, self.obj = np.array(obj).astype(np.float32), obj
    def __str__(self): return str(self.obj)
    def __hash__(self): return hash(str(self))


def _treat_html(o):
    o = str(o)
    to_replace = {"\n": "\\n", "<": "&lt;", ">": "&gt;", "&": "&amp;"}
    for k, v in to_replace.items(): o = o.replace(k, v)
    return o


def text2html_table(items):
    "Put the texts in `items` in an HTML table, `widths` are the widths of the columns in %."
    html_code = """<table border="1" class="dataframe">"""
    html_code += """  <thead>\n    <tr style="text-align: right;">\n"""
    for i in items[0]: html_code += f"      <th>{_treat_html(i)}</th>"
    html_code += "    </tr>\n  </thead>\n  <tbody>"
    html_code += "  <tbody>"
    for line in items[1:]:
        html_code += "    <tr>"
        for i in line: html_code += f"      <td>{_treat_html(i)}</td>"
        html_code += "    </tr>"
    html_code += "  </tbody>\n</table>"
    return html_code


def parallel(func, arr, max_workers=None, leave=False):
    "Call `func` on every element of `arr` in parallel using `max_workers`."
    import concurrent.futures
    from concurrent.futures import ProcessPoolExecutor

    from fastprogress.fastprogress import progress_bar
    max_workers = defaults.cpus if max_workers is None else max_workers
    if max_workers < 2: results = [func(o, i) for i, o in progress_bar(enumerate(arr), total=len(arr), leave=leave)]
    else:
        with ProcessPoolExecutor(max_workers=max_workers) as ex:
            futures = [ex.submit(func, o, i) for i, o in enumerate(arr)]
            results = []
            for f in progress_bar(concurrent.futures.as_completed(futures), total=len(arr), leave=leave):
                results.append(f.result())
    if any([o is not None for o in results]): return results


def subplots(rows, cols, imgsize=4, figsize=None, title=None, **kwargs):
    "Like `plt.subplots` but with consistent axs shape, `kwargs` passed to `fig.suptitle` with `title`"
    import matplotlib.pyplot as plt
    figsize = (imgsize * cols, imgsize * rows) if figsize is None else figsize
    fig, axs = plt.subplots(rows, cols, figsize=figsize)
    if rows == cols == 1: axs = [[axs]]  # subplots(1,1) returns Axes, not [Axes]
    elif (rows == 1 and cols != 1) or (cols == 1 and rows != 1): axs = [axs]
    if title is not None: fig.suptitle(title, **kwargs)
    return array(axs)


def get_tmp_file(dir=None):
    "Create and return a tmp filename, optionally at a specific path. `os.remove` when done with it."
    with tempfile.NamedTemporaryFile(delete=False, dir=dir) as f: return f.name


def compose(funcs):
    "Compose `funcs`"
    def compose_(funcs, x, *args, **kwargs):
        for f in listify(funcs): x = f(x, *args, **kwargs)
        return x
    return partial(compose_, funcs)


def float_or_x(x):
    "Tries to convert to float, returns x if it can't"
    try: return float(x)
    except Exception: return x
