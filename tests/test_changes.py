"""The table of v1 -> v2 changes (fastai_freeze_compat/changes.py) is true of the installed fastai:
on fastai 1.x every `refs_v1` entry is checked against real v1, on fastai 2.x every `refs_v2` entry
against real fastai 2 (as tf_upgrade_v2's tests check its tables against TensorFlow)."""
import importlib
import inspect
import re
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

import fastai_freeze_compat as fv
from fastai_freeze_compat.changes import CHANGES, by_key, renamed_keywords, renamed_names

TESTS = Path(__file__).resolve().parent


def _resolve(target):
    module, qualname = target.split(":")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _installed_refs():
    side = "refs_v1" if fv.IS_V1 else "refs_v2"
    return [(c.key, i, r) for c in CHANGES for i, r in enumerate(getattr(c, side))]


def _same(a, b):
    if isinstance(b, float) and isinstance(a, (int, float)): return a == pytest.approx(b, rel=1e-12)
    return a == b


@pytest.mark.parametrize("key,i,ref", _installed_refs(), ids=lambda v: v if isinstance(v, str) else "")
def test_reference_holds_for_installed_fastai(key, i, ref):
    if ref.since and fv.FASTAI_VERSION not in SpecifierSet(ref.since):
        pytest.skip(f"{ref.target} {ref.param or ''} exists in fastai {ref.since}, not in {fv.FASTAI_VERSION}")
    obj = _resolve(ref.target)
    if ref.param:
        params = inspect.signature(obj).parameters
        assert ref.param in params, f"{ref.target} has no parameter {ref.param!r}: {list(params)}"
        if ref.default != "<any>":
            assert _same(params[ref.param].default, ref.default), (ref, params[ref.param].default)
    if ref.attr:
        assert _same(getattr(obj, ref.attr), ref.value), (ref, getattr(obj, ref.attr))


def test_every_entry_is_complete_and_unique():
    keys = [c.key for c in CHANGES]
    assert len(keys) == len(set(keys))
    kinds = {"name", "keyword", "default", "behaviour"}
    for c in CHANGES:
        assert c.kind in kinds and c.key.split(".")[0] in {"name", "kw", "default", "behaviour"}, c.key
        assert c.v1 and c.v2, c.key
        # a difference is checked somewhere: a signature/default on each side, or a test measuring it
        assert c.refs_v1 or c.refs_v2 or c.tested_by, c.key


def test_tests_cited_by_the_table_exist():
    for c in CHANGES:
        for node in c.tested_by:
            path, name = node.split("::")
            assert re.search(rf"^def {name}\(", (TESTS.parent / path).read_text(), re.M), node


@pytest.mark.v2only
def test_bridges_named_by_the_table_exist_in_the_package():
    missing = []
    for c in CHANGES:
        if not c.bridged_by: continue
        obj = fv
        for part in c.bridged_by.split("."):
            obj = getattr(obj, part, None)
            if obj is None: break
        if obj is None: missing.append(f"{c.key}: {c.bridged_by}")
    assert not missing, missing


def test_lookups():
    assert by_key("kw.max_lr").v2.startswith("fit_one_cycle(lr_max")
    with pytest.raises(KeyError, match="no change named"):
        by_key("nope")
    assert renamed_names()["cnn_learner"] == "vision_learner"
    assert renamed_names()["ImageDataBunch"] == "ImageDataLoaders"
    kw = renamed_keywords()
    assert kw[("fit_one_cycle", "max_lr")] == "lr_max" and kw[("fit_one_cycle", "div_factor")] == "div"
    assert kw[("cnn_learner", "split_on")] == "splitter" and kw[("Learner", "bn_wd")] == "wd_bn_bias"
