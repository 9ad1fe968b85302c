"""The reference notebook (examples/reference_notebook.ipynb, from ../shared/seed/000_37f74ceecb9debb7.txt)
runs end to end through the package's import, and prints what fastai 1.0.48 printed on Kaggle.

It runs in a subprocess through `fastai_freeze_compat.notebook` (no Jupyter needed, so also on the
seed's own Python 3.7 stack), with /kaggle/input and /kaggle/working mapped to a generated 12-class
folder of the seed's size (4,750 training and 794 test images)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

import fastai_freeze_compat as fv
from test_summary import SEED, seed_summaries

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))
from make_notebooks import NOTEBOOKS, notebook, render  # noqa: E402
from make_seedlings_folder import make_seedlings_folder  # noqa: E402

SEED_TEXT = SEED.read_text(encoding="utf-8")
ON_1_0_61 = str(fv.FASTAI_VERSION) == "1.0.61"


def seed_output_after(code_start):
    "The seed's printed output of the cell whose code starts with `code_start` (indentation removed)."
    lines = SEED_TEXT.split("\n")
    i = next(k for k, l in enumerate(lines) if l.startswith("```python") and lines[k + 1].startswith(code_start))
    j = lines.index("```", i + 1) + 1
    out = []
    while j < len(lines) and not lines[j].startswith(("```", "####")):
        out.append(lines[j][4:] if lines[j].startswith("    ") else lines[j])
        j += 1
    return "\n".join(out).strip("\n")


def seed_cells():
    "[(code, saved output)] of the seed's code cells, in order (its text indents outputs by 4 spaces)."
    lines, cells, i = SEED_TEXT.split("\n"), [], 0
    while i < len(lines):
        if lines[i].startswith("```python"):
            j = lines.index("```", i + 1)
            k, out = j + 1, []
            while k < len(lines) and not lines[k].startswith(("```", "####")):
                out.append(lines[k][4:] if lines[k].startswith("    ") else lines[k])
                k += 1
            cells.append(("\n".join(lines[i + 1:j]), "\n".join(out).strip("\n")))
            i = k
        else: i += 1
    return cells


def with_seed_outputs(nb):
    """The example notebook `nb` with the seed's saved outputs, as the notebook was saved on Kaggle: each code cell
    gets the output of the seed cell with the same first line (the import line: the seed's own)."""
    nb = json.loads(json.dumps(nb))
    seed = seed_cells()
    for cell in nb["cells"]:
        if cell["cell_type"] != "code": continue
        src = "".join(cell["source"])
        first = "import fastai.vision as fv" if src.startswith("import fastai") else src.lstrip("\n").split("\n")[0]
        match = next((k for k, (c, _) in enumerate(seed) if c.lstrip("\n").split("\n")[0] == first), None)
        if match is None: continue
        text = seed.pop(match)[1]
        if text: cell["outputs"] = [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                                     "data": {"text/plain": text}}]
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    root = tmp_path_factory.mktemp("kaggle")
    make_seedlings_folder(root / "input")
    (root / "working").mkdir()
    out = root / "executed.ipynb"
    # The notebook as saved on Kaggle: the example with the seed's outputs (its 1.0.48 summary tables tell
    # `run` which layout to print; the example file itself has none, and would get 1.0.61's).
    saved = root / "reference_notebook.ipynb"
    saved.write_text(json.dumps(with_seed_outputs(json.loads((ROOT / "examples" / "reference_notebook.ipynb")
                                                             .read_text(encoding="utf-8")))), encoding="utf-8")
    code = ("from fastai_freeze_compat.notebook import run_notebook\n"
            f"rep = run_notebook({str(saved)!r}, out_path={str(out)!r}, "
            f"report_path={str(root / 'report.txt')!r}, cwd={str(root / 'working')!r}, "
            f"data_roots=[('/kaggle/input', {str(root / 'input')!r}), ('/kaggle/working', {str(root / 'working')!r})])\n"
            "print(rep['error']['traceback'] if rep['error'] else 'OK')\n")
    res = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True)
    assert res.returncode == 0 and res.stdout.strip().endswith("OK"), res.stdout[-3000:] + res.stderr[-3000:]
    nb = json.loads(out.read_text(encoding="utf-8"))
    outputs = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code": continue
        text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell["outputs"])
        outputs["".join(cell["source"])] = text
    return {"outputs": outputs, "working": root / "working", "report": (root / "report.txt").read_text()}


def output_of(executed, code_start):
    return next(v for k, v in executed["outputs"].items() if k.startswith(code_start))


def test_examples_are_generated_from_make_notebooks():
    for name, line in NOTEBOOKS.items():
        assert (ROOT / "examples" / name).read_text(encoding="utf-8") == render(notebook(line)), name
    v1, ours = (json.loads((ROOT / "examples" / n).read_text()) for n in NOTEBOOKS)
    diff = [(a["source"], b["source"]) for a, b in zip(v1["cells"], ours["cells"]) if a["source"] != b["source"]]
    assert diff == [(["import fastai.vision as fv"], ["import fastai_freeze_compat as fv"])]


def test_every_cell_ran(executed):
    assert "22 of 22 code cells ran" in executed["report"]


def test_run_reads_the_layout_from_the_saved_tables(executed):
    assert "summary() layout: fastai 1.0.48's (the summary table saved in cell 15 is fastai 1.0.48's" in executed["report"]


def test_data_repr_as_in_the_reference(executed):
    got = output_of(executed, "fv.np.random.seed(1)").strip().split("\n")
    want = seed_output_after("fv.np.random.seed(1)").split("\n")
    assert len(got) == len(want)
    for g, w in zip(got, want):
        if w.startswith("Path:"): continue                    # /kaggle/input/train here is a local folder
        if w and w[0].isupper() and "," in w and not w.startswith("Image"):
            continue                                          # the first five labels depend on the file order
        assert g == w
    assert "Train: LabelList (3563 items)" in got and "Valid: LabelList (1187 items)" in got
    assert "Test: LabelList (794 items)" in got


def test_layer_groups_as_in_the_reference(executed):
    assert output_of(executed, "print('there are '").strip() == "there are  3 layer_groups in this leaner object"
    got = output_of(executed, "\nfor g in learn.layer_groups")
    for n, w, bn in [(26, 20, 10), (24, 20, 10), (10, 4, 2)]:
        assert f"{n} layers\n{w} layers with weights\n{bn} BN layers Not be frozen\n{w - bn} layers which can be frozen" in got
    assert output_of(executed, "len(learn.layer_groups)").strip() == "3"


def test_first_layer_train_bn_and_bn_types_as_in_the_reference(executed):
    assert output_of(executed, "l = learn.layer_groups[0][0]").strip() == seed_output_after("l = learn.layer_groups[0][0]")
    assert output_of(executed, "learn.train_bn").strip() == "True"
    assert output_of(executed, "print(fv.bn_types)").split() == seed_output_after("print(fv.bn_types)").split()


def test_requires_grad_is_v1s(executed):
    assert "b" in output_of(executed, "fv.requires_grad?").split("\n")[0]
    assert output_of(executed, "fv.requires_grad(l, False)") == ""


def _rows(table):
    rows = [l for l in table.split("\n") if l and not l.startswith(("=", "_", "Layer (type)"))]
    return [r for r in rows if not r.startswith(("Total", "Sequential", "Optimized", "Using", "Loss", "Callbacks"))]


def test_three_summary_tables_as_in_the_reference(executed):
    want = [t for _, t in seed_summaries(SEED_TEXT)]
    got = [output_of(executed, c) for c in ("learn.summary()", "learn.freeze_to(0)", "learn.freeze_to(1)")]
    for g, w in zip(got, want):
        if ON_1_0_61:   # 1.0.61 prints shapes without the batch dimension, a header and a footer
            assert [r.split() for r in _rows(g)] == [r.replace("[1, ", "[", 1).split() for r in _rows(w)]
            totals = [l for l in w.split("\n") if l.startswith("Total")]
            assert all(t in g for t in totals)
        else:
            assert g.rstrip("\n") == w.rstrip("\n")


def test_save_writes_start_pth(executed):
    assert (executed["working"] / "start.pth").is_file()
    assert "start.pth" in output_of(executed, "learn.save('start')").split()


@pytest.mark.v2only
def test_report_names_the_bridged_v1_apis(executed):
    for api in ("ImageDataBunch.from_folder", "get_transforms", "cnn_learner"):
        assert f"`{api}" in executed["report"], api
