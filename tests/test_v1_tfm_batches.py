"""fastai v1's seeded random transforms, on images and on points / masks transformed with them (`tfm_y=True`).

Expected values: real fastai v1 (tests/fixtures/record_v1_tfm_batches.py -> tfm_batches_v1_<version>.json),
every case seeded (`random`, NumPy, torch) right before it draws: which transforms of `get_transforms()` ran with
which arguments and the pixels they gave; a PointsItemList's and a SegmentationItemList's first training items
and first batch. On fastai 2 the package must give 1.0.61's (with `max_warp=0.`: 1.0.61's warps call the removed
`torch.solve`) and 1.0.48's, full `get_transforms()` included, except 1.0.48's batches (torch 1.0.1's
RandomSampler orders them otherwise); on fastai 1.x the installed v1 must give its own recording.
"""
import json
import math
import sys
import warnings
from pathlib import Path

import pytest

import fastai_freeze_compat as fv
import fastai_freeze_compat.vision as ns

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
import record_v1_tfm_batches as rec  # noqa: E402

VERSIONS = [str(fv.FASTAI_VERSION)] if fv.IS_V1 else ["1.0.61", "1.0.48"]
RECORDED = {v: json.loads((FIXTURES / f"tfm_batches_v1_{v}.json").read_text())["cases"] for v in VERSIONS}


@pytest.fixture(scope="module")
def got(tmp_path_factory):
    root = rec.make_folders(tmp_path_factory.mktemp("tfm_batches"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {v: rec.run_cases(ns, v, root, real_v1=str(fv.FASTAI_VERSION) if fv.IS_V1 else None)
                for v in VERSIONS}


def _differences(exp, res, path="", atol=1e-4):
    "Where `res` differs from the recording `exp` (floats within `atol`, relative 1e-5 for sums)."
    if isinstance(exp, dict):
        if not isinstance(res, dict): return [f"{path}: {res!r:.80}"]
        return [d for k in exp for d in _differences(exp[k], res.get(k), f"{path}/{k}", atol)]
    if isinstance(exp, list):
        if not isinstance(res, list) or len(res) != len(exp): return [f"{path}: length {len(exp)} != {res!r:.80}"]
        return [d for i, (e, r) in enumerate(zip(exp, res)) for d in _differences(e, r, f"{path}[{i}]", atol)]
    if isinstance(exp, float) and not isinstance(exp, bool):
        ok = isinstance(res, (int, float)) and math.isclose(exp, res, rel_tol=1e-5, abs_tol=atol)
        return [] if ok else [f"{path}: {exp} != {res}"]
    return [] if exp == res else [f"{path}: {exp!r} != {res!r}"]


def _cases(kind):
    return [(v, k) for v in VERSIONS for k in sorted(RECORDED[v][kind])]


@pytest.mark.parametrize("version,case", _cases("draws"))
def test_seeded_draws_give_v1s_transforms_and_pixels(got, version, case):
    assert not _differences(RECORDED[version]["draws"][case], got[version]["draws"][case])


@pytest.mark.parametrize("kind", ["points", "segment"])
@pytest.mark.parametrize("version,tfms", _cases("points"))
def test_tfm_y_items_and_batches_are_v1s(got, kind, version, tfms):
    exp, res = RECORDED[version][kind][tfms], got[version][kind][tfms]
    assert not _differences(exp["items"], res["items"])
    if version == "1.0.48" and not fv.IS_V1:
        return   # 1.0.48's batches: torch 1.0.1's RandomSampler order (its items, above, are compared)
    assert not _differences(exp["batch"], res["batch"])
