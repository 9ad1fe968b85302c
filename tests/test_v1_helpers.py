"""fastai v1's pure helpers (fastai/core.py, fastai/torch_core.py, fastai/imports/core.py) through the package on
fastai 2, against real fastai v1.

Expected values: tests/fixtures/record_v1_helpers.py run on real fastai 1.0.61 (every case) and 1.0.48 (the ragged
arrays, on numpy 1.19: the result v1 had on the numpy of its time, which the package keeps where numpy >= 1.24
raises). Each case runs here, the same code, seeded the same way, against ``from fastai_freeze_compat.torch_core
import *``, and must describe exactly as v1's did.
"""
import ast
import json
from pathlib import Path

import pytest

from fastai_freeze_compat import _namespace as N
from fixtures.record_v1_helpers import CASES, OLD_NUMPY, case_namespace, record_case

pytestmark = pytest.mark.v2only

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def recorded(version):
    return json.loads((FIXTURES / f"helpers_v1_{version}.json").read_text())


V1, V1_OLD_NUMPY = recorded("1.0.61"), recorded("1.0.48")

#: The helpers this file checks, by the v1 module that defined them (and whose backend module bridges them).
PORTED = {
    "fastai.core": [
        "FloatItem", "PrePostInitMeta", "is_listy", "is_tuple", "is_dict", "is_pathlike", "noop", "chunks", "recurse",
        "first_el", "to_int", "is1d", "uniqueify", "idx_dict", "find_classes", "arrays_split", "random_split",
        "extract_kwargs", "partition", "partition_by_cores", "series2cat", "recurse_eq", "range_of", "arange_of",
        "join_path", "join_paths", "loadtxt_str", "save_texts", "df_names_to_idx", "one_hot", "index_row",
        "func_args", "has_arg", "split_kwargs_by_func", "array", "text2html_table", "parallel", "subplots",
        "get_tmp_file", "compose", "float_or_x"],
    "fastai.imports.core": ["pd_max_colwidth", "have_min_pkg_version", "try_import"],
    "fastai.torch_core": [
        "is_pool_type", "Module", "np_address", "to_detach", "to_data", "to_cpu", "to_half", "to_float", "to_device",
        "data_collate", "has_params", "children", "num_children", "range_children", "get_param_groups", "set_bn_eval",
        "batch_to_half", "bn2float", "model2half", "apply_leaf", "in_channels", "ModelOnCPU", "NoneReduceOnCPU",
        "model_type", "np2model_tensor", "trange_of", "to_np", "grab_idx", "logit_", "set_all_seed", "uniform",
        "log_uniform", "rand_bool", "uniform_int", "one_param", "try_int", "flatten_check", "remove_module_load",
        "distrib_barrier", "add_metrics", "try_save", "np_func"],
}


@pytest.fixture(scope="module")
def ns():
    return case_namespace("fastai_freeze_compat.torch_core")


def test_the_recordings_are_of_these_cases():
    assert V1["fastai"] == "1.0.61" and V1_OLD_NUMPY["fastai"] == "1.0.48"
    assert sorted(V1["cases"]) == sorted(cid for cid, _ in CASES)
    assert sorted(V1_OLD_NUMPY["cases"]) == sorted(OLD_NUMPY)
    assert V1_OLD_NUMPY["numpy"].startswith("1.19")


#: Cases where the package differs from v1, on purpose or not yet fixed: ``{case id: why}`` (strict xfails).
KNOWN_DIFFERENCES = {
    "item_eq": "the package's ItemBase (not part of this port) compares `type` and `str(self)` and returns a bool, "
               "and its repr shows `str(self)`; v1's compares `recurse_eq(self.data, other.data)` (a numpy bool) "
               "and its repr shows `str(self.data)`",
}


@pytest.mark.parametrize("cid, code", [pytest.param(cid, code, marks=pytest.mark.xfail(
    reason=KNOWN_DIFFERENCES[cid], strict=True)) if cid in KNOWN_DIFFERENCES else (cid, code) for cid, code in CASES],
    ids=[cid for cid, _ in CASES])
def test_helper_gives_v1s_result(ns, cid, code):
    if cid in OLD_NUMPY:
        # fastai 1.0.61 on numpy 2 raises here (its np.array of a ragged list); v1 on the numpy of its time made an
        # object array, and the package keeps that result.
        assert V1["cases"][cid]["raises"] == "ValueError" and "inhomogeneous" in V1["cases"][cid]["message"]
        expected = V1_OLD_NUMPY["cases"][cid]
    else:
        expected = V1["cases"][cid]
    assert record_case(code, ns) == expected


def test_is1d_of_a_ragged_list_is_v1s():
    "v1's `is1d` is `len(np.array(a).shape) == 1`; on numpy 1.19 a ragged list's array has shape (2,)."
    from fastai_freeze_compat.core import array, is1d
    assert V1_OLD_NUMPY["cases"]["array_ragged"]["result"]["shape"] == [2]
    assert is1d([[1, 2], [3]]) is True
    assert array([[1, 2], [3]]).shape == (2,)


@pytest.mark.parametrize("v1_module", sorted(PORTED))
def test_ported_helpers_are_bridged_at_v1s_module(v1_module):
    backend = "fastai_freeze_compat._v2." + v1_module[len("fastai."):]
    for name in PORTED[v1_module]:
        r = N.resolve(name, v1_module if v1_module in N.MODULES else "fastai.core")
        assert r.status == "bridged" and r.where == f"{backend}:{name}", (name, r.status, r.where)


def test_every_ported_helper_is_exercised_by_a_case():
    used = set()
    for _, code in CASES:
        used |= {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)}
    missing = [n for names in PORTED.values() for n in names if n not in used]
    assert not missing, missing


def test_defaults_keeps_the_packages_fields_and_has_v1s():
    from fastai_freeze_compat.core import defaults
    from fastai_freeze_compat.torch_core import defaults as torch_core_defaults   # v1 set `device` in torch_core
    assert torch_core_defaults is defaults
    assert {"lr", "wd", "return_fig", "silent", "extra_callbacks", "extra_callback_fns", "summary_layout",
            "cpus", "cmap", "device"} <= set(vars(defaults))
