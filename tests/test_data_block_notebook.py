"""examples/data_block_v1.ipynb (a v1 notebook: multi-label, points and segmentation DataBunches built with v1's
data block API from images it generates, one epoch each with cnn_learner / unet_learner) runs to its last cell
through ``python -m fastai_freeze_compat run``, and prints what real fastai v1 printed for the same cells.

Expected values: tests/fixtures/record_v1_data_block_notebook.py run on real 1.0.61 and 1.0.48 (the DataBunch
reprs, classes, c, the loss v1 picked, the validation items of each seeded split, layer groups, the U-Net's
parameter count, the training table's columns). On fastai 2 each cell is compared with 1.0.61's recording where
1.0.61 ran it, else with 1.0.48's (on this stack real 1.0.61 cannot build the multi-label or the points
DataBunch: see the recording script); on 1.0.48 the installed v1 must give its own recording.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

import fastai_freeze_compat as fv

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
sys.path.insert(0, str(FIXTURES))
sys.path.insert(0, str(ROOT / "examples"))
from make_data_block_notebook import NAME, PROBES, notebook  # noqa: E402
from make_notebooks import render  # noqa: E402
from record_v1_data_block_notebook import summarize  # noqa: E402

VERSION = str(fv.FASTAI_VERSION)
R61, R48 = (json.loads((FIXTURES / f"data_block_notebook_v1_{v}.json").read_text())["cells"]
            for v in ("1.0.61", "1.0.48"))

needs_runnable_v1 = pytest.mark.skipif(VERSION == "1.0.61", reason=(
    "real fastai 1.0.61 cannot run this notebook on its stack: MultiCategoryList and PointsLabelList build "
    "numpy arrays of ragged lists / tensors (numpy >= 1.24), and get_transforms()'s warps call torch.solve; "
    "its recording ran the segmentation cells (and max_warp=0)"))


def expected(name):
    if fv.IS_V1: return R48[name]
    return R61[name] if "error" not in R61[name] else R48[name]


def test_the_notebook_is_what_the_script_writes():
    assert (ROOT / "examples" / NAME).read_text(encoding="utf-8") == render(notebook())


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dblock_nb")
    out = tmp / "executed.ipynb"
    res = subprocess.run([sys.executable, "-m", "fastai_freeze_compat", "run", str(ROOT / "examples" / NAME),
                          "-o", str(out), "--report", str(tmp / "report.txt"), "--cwd", str(tmp)],
                         capture_output=True, text=True, timeout=600)
    nb = json.loads(out.read_text()) if out.is_file() else {"cells": []}
    return res, nb, tmp


@needs_runnable_v1
def test_it_runs_to_its_last_cell(executed):
    res, nb, _ = executed
    n = sum(c["cell_type"] == "code" for c in nb["cells"])
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert n == 15 and f"{n} of {n} code cells ran" in res.stdout


def _outputs(nb):
    "{probe: (result text, stdout)} of the executed notebook."
    by_src = {src: name for name, src in PROBES.items()}
    res = {}
    for c in nb["cells"]:
        name = by_src.get("".join(c["source"]))
        if c["cell_type"] != "code" or name is None: continue
        result = next((o["data"]["text/plain"] for o in c["outputs"] if o["output_type"] == "execute_result"), None)
        stdout = "".join(o["text"] for o in c["outputs"] if o["output_type"] == "stream")
        res[name] = (result, stdout)
    return res


@needs_runnable_v1
@pytest.mark.parametrize("name", sorted(PROBES))
def test_prints_what_v1_printed(executed, name):
    got = _outputs(executed[1])
    assert name in got, f"cell {name} did not run"
    assert summarize(name, *got[name]) == expected(name)


@pytest.mark.v2only
def test_the_report_names_the_bridged_apis(executed):
    report = (executed[2] / "report.txt").read_text()
    for api in ("`unet_learner(data, arch", "`cnn_learner(data, base_arch", "`get_transforms(...)`"):
        assert api in report
