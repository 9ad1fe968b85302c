"""fastai v1's whole namespace and module tree, through the package.

Expected names: real fastai v1's, recorded on 1.0.48 and 1.0.61 (tests/fixtures/record_v1_namespace.py ->
namespace_v1_<version>.json, compiled into fastai_freeze_compat/_v1_names.py by make_v1_names.py). On fastai 2
every recorded name of every recorded module is bound and is bridged, identical (the very object v1 bound,
or a listed fastai 2 object) or unsupported with a reason; on fastai 1.x each module path passes the real
v1 module's objects through.
"""
import ast
import functools
import importlib
import importlib.util
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

import fastai_freeze_compat as fv
from fastai_freeze_compat import _namespace as N
from fastai_freeze_compat import names

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
PACKAGE = ROOT / "fastai_freeze_compat"


def recorded(version):
    return json.loads((FIXTURES / f"namespace_v1_{version}.json").read_text())["modules"]


def test_compiled_names_match_the_recordings():
    "_v1_names.py is what make_v1_names.py writes from the two recordings (no hand edits, none stale)."
    res = subprocess.run([sys.executable, str(FIXTURES / "make_v1_names.py"), "--check"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_vision_star_binds_every_name_v1_bound():
    "On fastai 2 the names either v1 version bound; on fastai 1.x those the installed v1 binds."
    ns = {}
    exec("from fastai_freeze_compat import *", ns)
    versions = [str(fv.FASTAI_VERSION)] if fv.IS_V1 else ["1.0.48", "1.0.61"]
    for version in versions:
        want = set(recorded(version)["fastai.vision"]["star"])
        assert len(want) == {"1.0.48": 498, "1.0.61": 527}[version]
        assert not want - set(ns), sorted(want - set(ns))[:10]


@pytest.mark.parametrize("v1_module", sorted(N.MODULES))
def test_every_module_path_imports_with_v1s_names(v1_module):
    if fv.IS_V1:
        version = str(fv.FASTAI_VERSION)
        rec = recorded(version).get(v1_module, {})
        if "star" not in rec: pytest.skip(f"fastai {version} has no importable {v1_module} ({rec.get('error')})")
        mod = importlib.import_module(N.public_module(v1_module))
        real = {}
        exec(f"from {v1_module} import *", real)
        real.pop("__builtins__")
        # (a module without __all__ binds what earlier imports of the process added: compare in this process)
        from fastai_freeze_compat._v1 import _repairs
        repairs = _repairs()
        for name in set(rec["star"]) & set(real):   # what the recording and this process's module both bind
            obj, got = real[name], getattr(mod, name)
            if isinstance(obj, types.ModuleType) and obj.__name__ == f"{v1_module}.{name}":
                # a submodule: v1's own module, or (once the package's module at v1's path has been imported
                # in this process, which sets the attribute) that module
                assert got is obj or got is importlib.import_module(N.public_module(obj.__name__)), name
                continue
            # the pass-through binds v1's own objects, or the package's repair of one (data_fix: a subclass;
            # load_fix: a subclass, or a wrapper of v1's function)
            assert got is repairs.get(id(obj), obj), name
            if got is not obj:
                assert (isinstance(got, type) and issubclass(got, obj)) or got.__wrapped__ is obj, name
        assert len(set(rec["star"]) & set(real)) >= 0.9 * len(rec["star"])
    else:
        mod = importlib.import_module(N.public_module(v1_module))
        missing = [n for n in N.MODULES[v1_module] + N.ATTRIBUTES.get(v1_module, ()) if not hasattr(mod, n)]
        assert not missing
        if v1_module != "fastai":   # the package itself binds fastai.vision's names too
            assert set(mod.__all__) == set(N.MODULES[v1_module])


v2only = pytest.mark.v2only


@v2only
@pytest.mark.parametrize("v1_module", sorted(N.MODULES))
def test_every_recorded_name_is_classified(v1_module):
    "Star names and the module's other attributes (`from fastai.vision.learner import has_pool_type`)."
    names_ = N.MODULES[v1_module] + N.ATTRIBUTES.get(v1_module, ())
    unclassified = [r.name for r in map(lambda n: N.resolve(n, v1_module), names_)
                    if r.status not in ("bridged", "identical", "unsupported")]
    assert not unclassified, f"add them to fastai_freeze_compat/names.py: {unclassified}"


@v2only
def test_identical_names_are_the_very_objects_v1_bound():
    "As typing_extensions checks its re-exports: a name needing no bridge *is* the library's own object."
    import functools
    import os
    import pathlib
    import re
    import typing

    import matplotlib.pyplot
    import numpy
    import pandas
    import torch
    import torch.nn.functional
    assert fv.pd is pandas and fv.np is numpy and fv.plt is matplotlib.pyplot and fv.F is torch.nn.functional
    assert fv.partial is functools.partial and fv.Path is pathlib.Path and fv.os is os and fv.re is re
    assert fv.Collection is typing.Collection and fv.Tensor is torch.Tensor and fv.nn is torch.nn
    checked = 0
    for m in N.MODULES:
        for n in N.MODULES[m]:
            r = N.resolve(n, m)
            if r.status == "identical":
                assert r.obj is N._import_spec(r.where), (m, n)
                assert getattr(importlib.import_module(N.public_module(m)), n) is r.obj, (m, n)
                checked += 1
    assert checked > 1000


@v2only
@pytest.mark.parametrize("name", sorted(names.IDENTICAL))
def test_listed_fastai2_objects_are_bound_as_they_are(name):
    spec = names.IDENTICAL[name][0]
    assert spec.split(".")[0] in ("fastai", "fastcore")
    r = [N.resolve(name, m) for m in N.MODULES if name in N.MODULES[m] + N.ATTRIBUTES.get(m, ())]
    assert r, f"{name} is listed in names.IDENTICAL but no recorded v1 module bound it"
    assert all(x.status == "identical" and x.obj is N._import_spec(spec) for x in r)


@v2only
def test_bridged_names_are_the_packages_own_and_live_at_v1s_path():
    """A bridged name is defined by the package (not a fastai 2 object passed on), in the backend module at
    the relative path of v1's definition (v1's fastai/vision/data.py -> _v2/vision/data.py)."""
    from fastai_freeze_compat import _v2
    misplaced = []
    for m in N.MODULES:
        for n in N.MODULES[m]:
            r = N.resolve(n, m)
            if r.status != "bridged" or isinstance(r.obj, type(sys)): continue
            defined_in = getattr(r.obj, "__module__", None)
            where = r.where.split(":")[0]
            if defined_in is not None and not isinstance(r.obj, (str, tuple, dict, functools.partial)):
                assert defined_in.startswith("fastai_freeze_compat."), (n, defined_in)
            home = N._home(n, m)
            if home and home.startswith("fastai.") and where != "fastai_freeze_compat._v2." + home[len("fastai."):]:
                misplaced.append((n, home, where))
    assert not sorted(set(misplaced)), sorted(set(misplaced))
    assert len(_v2.registry()) > 60


@v2only
def test_unsupported_names_raise_naming_the_fastai2_way():
    Unsup = fv.AccumulateScheduler
    assert N.is_unsupported(Unsup)
    with pytest.raises(N.FastaiV1NotBridgedError,
                       match=r"`AccumulateScheduler`.*Native fastai 2: fastai 2's callbacks \(`GradientAccumulation`"):
        Unsup(None)
    with pytest.raises(NotImplementedError, match="not bridged"):
        importlib.import_module("fastai_freeze_compat.vision.gan").gan_critic()   # v1 names no bridge covers

    class MySched(fv.AccumulateScheduler):   # v1 code subclassing an unsupported class still imports
        pass
    with pytest.raises(N.FastaiV1NotBridgedError, match="AccumulateScheduler"):
        MySched()


@v2only
def test_widgets_say_what_to_use_on_fastai2():
    sys.modules.pop("fastai_freeze_compat.widgets", None)
    with pytest.raises(ImportError, match="ImageClassifierCleaner"):
        importlib.import_module("fastai_freeze_compat.widgets")


@v2only
def test_unsupported_share_is_reported_in_the_coverage_table():
    "docs/v1-namespace.md is what docs/make_coverage.py writes for the installed fastai 2."
    res = subprocess.run([sys.executable, str(ROOT / "docs" / "make_coverage.py"), "--check"], capture_output=True,
                         text=True, cwd=ROOT)
    assert res.returncode == 0, res.stdout + res.stderr


def _module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name):
    p = PACKAGE.parent / Path(*name.split("."))
    return p.with_suffix(".py").exists() or (p / "__init__.py").exists()


def _imports_at_module_level(path):
    "The package modules `path` imports at module level, from its relative imports."
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.level:
            target = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            for a in node.names:
                out.add(f"{target}.{a.name}" if _is_module(f"{target}.{a.name}") else target)
    return out


def test_backend_has_no_import_cycle():
    "No module of the v2 backend imports, at module level, one that imports it back (directly or not)."
    graph = {_module_name(p): _imports_at_module_level(p) for p in (PACKAGE / "_v2").rglob("*.py")}
    graph = {k: {t for t in v if t in graph and t != k} for k, v in graph.items()}
    state = {}

    def visit(n, stack):
        state[n] = "open"
        for t in graph[n]:
            assert state.get(t) != "open", " -> ".join(stack + [n, t])
            if t not in state: visit(t, stack + [n])
        state[n] = "done"
    for n in sorted(graph):
        if n not in state: visit(n, [])
    assert "fastai_freeze_compat._v2.train" in graph["fastai_freeze_compat._v2.basic_train"]
