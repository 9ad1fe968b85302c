"""The Kaggle-style example (examples/kaggle_v1.ipynb: train, interpret, TTA on the test set, write
submission.csv, export / load_learner / predict one image), written in fastai v1 and run unmodified through
`python -m fastai_freeze_compat run`, prints what real fastai v1 printed (tests/fixtures/record_v1_kaggle.py;
on fastai 1.x, the real v1 must match its own recording)."""
import json
from pathlib import Path

import fastai_freeze_compat as fv
from kaggle_example import run_example

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _recorded():
    version = fv.FASTAI_VERSION if fv.IS_V1 else "1.0.61"
    return json.loads((FIXTURES / f"kaggle_v1_{version}.json").read_text())


def test_kaggle_kernel_runs_to_its_last_cell_with_v1s_output(tmp_path):
    rc, log, results = run_example(tmp_path)
    assert rc == 0, log
    expected = _recorded()
    expected.pop("recorded_with")
    assert results == expected


def test_the_notebook_is_what_the_script_writes():
    import sys
    sys.path.insert(0, str(FIXTURES.parent.parent / "examples"))
    from make_kaggle_notebook import CELLS
    from make_notebooks import from_cells, render
    assert (FIXTURES.parent.parent / "examples" / "kaggle_v1.ipynb").read_text(encoding="utf-8") == render(from_cells(CELLS))
