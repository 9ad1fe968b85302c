"""The command-line tool: `check` and `upgrade` (subprocess, as a user runs them)."""
import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import fastai_freeze_compat as fv

V1_CODE = '''import fastai.vision as fv
fv.np.random.seed(1)
data = fv.ImageDataBunch.from_folder(path, ds_tfms=fv.get_transforms(), valid_pct=0.25, size=128, bs=32)
learn = fv.cnn_learner(data, fv.models.resnet18, metrics=fv.error_rate, bn_wd=False)
print(len(learn.layer_groups), learn.data.c)
learn.freeze()
learn.fit_one_cycle(4, max_lr=slice(1e-5, 1e-3), moms=(0.95, 0.85))
learn.fit(1, callbacks=[])
learn.split(lambda m: (m[0][6], m[1]))
'''

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
needs_py38 = pytest.mark.skipif(sys.version_info < (3, 8), reason="upgrade reads source positions from ast, "
                                 "which Python 3.7 (the seed's stack) does not record")


def run(*args):
    res = subprocess.run([sys.executable, "-m", "fastai_freeze_compat", *args], capture_output=True, text=True)
    return res.returncode, res.stdout, res.stderr


@needs_py38
def test_upgrade_py_file_rewrites_safely_and_reports(tmp_path):
    src = tmp_path / "nb.py"
    src.write_text(V1_CODE)
    rc, out, err = run("upgrade", str(src))
    assert rc == 1, err                  # ERROR findings remain: the output does not run as it is
    new = (tmp_path / "nb_fastai2.py").read_text()
    ast.parse(new)
    assert "import fastai.vision.all as fv" in new
    assert "fv.vision_learner(data, fv.models.resnet18, metrics=fv.error_rate, wd_bn_bias=False)" in new
    assert "learn.dls.c" in new and "lr_max=slice(1e-5, 1e-3)" in new and "moms=(0.95, 0.85, 0.95)" in new
    assert "fit(1, cbs=[])" in new
    assert ("data = fv.ImageDataLoaders.from_folder(path, valid_pct=0.25, bs=32, item_tfms=fv.Resize(128), "
            "batch_tfms=fv.aug_transforms())") in new
    assert "len([fv.nn.Sequential(*fv.flatten_model(g)) for g in (learn.model[0][:6], learn.model[0][6:], learn.model[1])])" in new
    report = (tmp_path / "nb_fastai2_report.txt").read_text().splitlines()
    assert all(line.startswith(str(src) + ":") for line in report)
    levels = {line.split(": ")[1] for line in report}
    assert levels == {"INFO", "WARNING", "ERROR"}
    assert any(":3:8: WARNING: ImageDataBunch.from_folder -> ImageDataLoaders.from_folder" in l for l in report)
    assert any(":5:11: INFO: learn.layer_groups -> v1's 3 layer groups of resnet18" in l for l in report)
    assert any(":9:1: ERROR: split(...) has no native fastai 2 rewrite" in l for l in report)
    assert any(":7:1: WARNING: fit_one_cycle: pct_start=0.3" in l for l in report)
    assert "INFO" in out and "need a manual port" in out


@needs_py38
def test_upgrade_keep_v1_semantics_adds_explicit_arguments(tmp_path):
    src = tmp_path / "nb.py"
    src.write_text(V1_CODE)
    rc, _, err = run("upgrade", str(src), "--keep-v1-semantics", "-o", str(tmp_path / "out.py"))
    assert rc == 1, err
    new = (tmp_path / "out.py").read_text()
    tree = ast.parse(new)
    calls = {n.func.attr: {k.arg for k in n.keywords} for n in ast.walk(tree)
             if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    assert {"opt_func", "wd", "lr", "normalize", "wd_bn_bias"} <= calls["vision_learner"]
    assert "fv.partial(fv.Adam, eps=1e-8)" in new
    assert {"pct_start", "div_final", "lr_max"} <= calls["fit_one_cycle"]


@needs_py38
def test_upgrade_notebook_with_magics(tmp_path):
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# v1"]},
                    {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                     "source": ["from fastai.vision import *\n", "!ls .\n", "learn = cnn_learner(data, models.resnet18)\n",
                                "learn.freeze_to??"]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    src = tmp_path / "nb.ipynb"
    src.write_text(json.dumps(nb))
    rc, out, err = run("upgrade", str(src))
    assert rc == 0, err
    cell = "".join(json.loads((tmp_path / "nb_fastai2.ipynb").read_text())["cells"][1]["source"])
    assert cell == ("from fastai.vision.all import *\n!ls .\nlearn = vision_learner(data, models.resnet18)\n"
                    "learn.freeze_to??")
    assert f"{src}#cell1:3:9: WARNING: cnn_learner -> vision_learner" in out


def test_upgrade_missing_file(tmp_path):
    rc, _, err = run("upgrade", str(tmp_path / "nope.py"))
    assert rc == 2 and "does not exist" in err


@pytest.mark.v2only
def test_check_prints_both_sides():
    rc, out, err = run("check", "resnet18")
    assert rc == 0, err
    assert "11,710,540" in out and "11,710,016" in out
    line = next(l for l in out.splitlines() if l.startswith("trainable after freeze()"))
    assert line.split()[-2:] == ["543,628", "543,104"]
    assert "26/24/10" in out and "What differs and why" in out


@pytest.mark.v2only
def test_check_unknown_architecture():
    rc, _, err = run("check", "resnet9000")
    assert rc != 0 and "unknown architecture 'resnet9000'" in err


def test_run_executes_the_unmodified_v1_notebook(tmp_path):
    from helpers import make_flat_images, make_image_folder
    make_image_folder(tmp_path / "input", per_class=6)
    make_flat_images(tmp_path / "input" / "test", 4)
    (tmp_path / "working").mkdir()
    out = tmp_path / "executed.ipynb"
    rc, stdout, err = run("run", str(EXAMPLES / "seedlings_v1.ipynb"), "-o", str(out),
                          "--report", str(tmp_path / "report.txt"),
                          "--data-root", f"/kaggle/input={tmp_path / 'input'}",
                          "--data-root", f"/kaggle/working={tmp_path / 'working'}", "--cwd", str(tmp_path / "working"))
    assert rc == 0, stdout[-2000:] + err[-2000:]
    assert "22 of 22 code cells ran" in stdout
    nb = json.loads(out.read_text())
    src = [("".join(c["source"]), c["outputs"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert src[0][0] == "import fastai.vision as fv"           # the notebook itself is not changed
    summary = next(o for s, o in src if s == "learn.summary()")[0]["data"]["text/plain"]
    assert "Total trainable params: 543,628" in summary
    assert (tmp_path / "working" / "start.pth").is_file()
    if not fv.IS_V1:
        report = (tmp_path / "report.txt").read_text()
        assert "#cell8:1: bridged: `cnn_learner" in report and "bridged: `ImageDataBunch.from_folder" in report


def test_run_reports_a_failing_cell(tmp_path):
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                     "source": ["x = 1\n", "x"]},
                    {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                     "source": ["1 / 0"]},
                    {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": ["x"]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    src = tmp_path / "nb.ipynb"
    src.write_text(json.dumps(nb))
    rc, stdout, _ = run("run", str(src))
    assert rc == 1 and "1 of 2 code cells ran; cell 1 failed" in stdout and "ZeroDivisionError" in stdout
    cells = json.loads((tmp_path / "nb_executed.ipynb").read_text())["cells"]
    assert cells[0]["outputs"][0]["data"]["text/plain"] == "1"
    assert cells[1]["outputs"][0]["output_type"] == "error" and cells[2]["outputs"] == []


@pytest.mark.v2only
def test_untar_data_uses_the_local_data_root(tmp_path, monkeypatch):
    (tmp_path / "mnist_tiny").mkdir()
    monkeypatch.setenv("FASTAI_FREEZE_COMPAT_DATA_ROOT", str(tmp_path))
    assert fv.untar_data(fv.URLs.MNIST_TINY) == tmp_path / "mnist_tiny"
    with pytest.raises(FileNotFoundError, match="nothing is downloaded"):
        fv.untar_data(fv.URLs.PETS)
