"""Run examples/kaggle_v1.ipynb (a Kaggle-style v1 kernel: train, interpret, TTA on the test set,
submission.csv, export / load_learner / predict) on generated data with the installed fastai, and read back
what its deterministic cells printed. Shared by tests/fixtures/record_v1_kaggle.py (real fastai v1) and
tests/test_kaggle_example.py (the package on fastai 2)."""
import json
import subprocess
import sys
from pathlib import Path

from helpers import make_flat_images, make_image_folder

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "kaggle_v1.ipynb"

#: cell (by the start of its source) -> the key its text output is recorded under
CELLS = {"data = ImageDataBunch": "data_repr", "print(data.classes)": "classes_and_sizes",
         "preds, y = learn.get_preds": "valid_preds_shape", "interp = ClassificationInterpretation": "top_losses_len",
         "test_preds, _ = learn.TTA": "tta_shape", "pred_class2, pred_idx2": "predict_agrees"}


def _text(cell):
    "The last text/plain result or stdout text of an executed cell."
    out = ""
    for o in cell["outputs"]:
        if o.get("output_type") == "stream" and o.get("name") == "stdout": out = "".join(o["text"])
        elif "data" in o and "text/plain" in o["data"]: out = "".join(o["data"]["text/plain"])
    return out.strip()


def run_example(tmp):
    "Write the data, run the notebook through `python -m fastai_freeze_compat run`; return (rc, log, results)."
    tmp = Path(tmp)
    make_image_folder(tmp / "input", per_class=4)
    make_flat_images(tmp / "input" / "test", 6)
    (tmp / "working").mkdir()
    out = tmp / "executed.ipynb"
    res = subprocess.run([sys.executable, "-m", "fastai_freeze_compat", "run", str(NOTEBOOK), "-o", str(out),
                          "--report", str(tmp / "report.txt"), "--data-root", f"/kaggle/input={tmp / 'input'}",
                          "--data-root", f"/kaggle/working={tmp / 'working'}", "--cwd", str(tmp / "working")],
                         capture_output=True, text=True)
    log = res.stdout[-3000:] + res.stderr[-3000:]
    if res.returncode != 0: return res.returncode, log, None
    results = {}
    for cell in json.loads(out.read_text())["cells"]:
        src = "".join(cell["source"])
        for start, key in CELLS.items():
            if start in src: results[key] = _text(cell).replace(str(tmp / "input"), "/kaggle/input")
    sub = (tmp / "working" / "submission.csv").read_text().splitlines()
    results["submission_header"], results["submission_rows"] = sub[0], len(sub) - 1
    results["submission_files"] = sorted(l.split(",")[0] for l in sub[1:])
    results["exported"] = (tmp / "working" / "export.pkl").is_file()
    return res.returncode, log, results
