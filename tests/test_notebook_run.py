"""`run` on real notebooks (issue 13): nbformat 3 files, IPython syntax read by IPython's own transformer (a `?`
in a comment, `!` / `%` lines inside a string), `sys.exit` as a cell outcome, `--keep-going`, exit codes."""
import json
import subprocess
import sys

from fastai_freeze_compat.notebook import run_notebook


def _code(src): return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": src}


def _write(tmp_path, *sources, name="nb.ipynb"):
    nb = {"cells": [_code(s) for s in sources], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    path = tmp_path / name
    path.write_text(json.dumps(nb))
    return path


def _results(report):
    cells = json.loads(open(report["out_path"]).read())["cells"]
    return [[o.get("data", {}).get("text/plain", o.get("text", o.get("ename"))) for o in c.get("outputs", [])] for c in cells]


def test_an_nbformat_3_notebook_runs_its_cells(tmp_path):
    nb = {"metadata": {}, "nbformat": 3, "nbformat_minor": 0,
          "worksheets": [{"metadata": {}, "cells": [
              {"cell_type": "markdown", "metadata": {}, "source": "# v3"},
              {"cell_type": "code", "language": "python", "metadata": {}, "outputs": [], "input": "x = 41"},
              {"cell_type": "code", "language": "python", "metadata": {}, "outputs": [], "input": "x + 1"}]}]}
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(nb))
    report = run_notebook(path)
    assert [c["status"] for c in report["cells"]] == ["ok", "ok"]
    assert _results(report) == [[], [], ["42"]] and json.loads(open(report["out_path"]).read())["nbformat"] == 4
    assert "2 of 2 code cells ran" in open(report["report_path"]).read()


def test_ipython_syntax_is_read_by_ipythons_transformer(tmp_path):
    path = _write(tmp_path, "lr = 3e-3  # or 1e-2?\nlr",
                  's = """\n!not a shell command\n%not a magic\n"""\nprint(s.split())',
                  "%matplotlib inline\n!echo from-a-shell\nx = !echo captured\nx",
                  "len?")
    report = run_notebook(path)
    assert [c["status"] for c in report["cells"]] == ["ok"] * 4, open(report["report_path"]).read()
    res = _results(report)
    assert res[0] == ["0.003"]
    assert res[1] == ["['!not', 'a', 'shell', 'command', '%not', 'a', 'magic']\n"]
    assert res[2] == ["from-a-shell\n", "['captured']"]
    assert res[3][0].startswith("Signature: len(obj, /)")


def test_sys_exit_is_a_cell_outcome_and_the_notebook_and_report_are_written(tmp_path):
    path = _write(tmp_path, "x = 1", "import sys\nsys.exit(3)", "x = 2")
    report = run_notebook(path)
    assert report["cells"][1] == {"cell": 1, "status": "exit", "ename": "SystemExit", "evalue": "3"}
    assert len(report["cells"]) == 2 and [c["cell"] for c in report["failed"]] == [1]
    assert _results(report)[1] == ["SystemExit"] and _results(report)[2] == []
    text = open(report["report_path"]).read()
    assert "#cell1: exit: SystemExit: 3" in text and "1 code cells after cell 1 not run" in text and "1 of 2 code cells ran" in text


def _cli(*args):
    res = subprocess.run([sys.executable, "-m", "fastai_freeze_compat", "run", *map(str, args)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    return res.returncode, res.stdout


def test_keep_going_runs_past_a_failing_cell_and_reports_each(tmp_path):
    path = _write(tmp_path, "x = 1", "1 / 0", "import sys; sys.exit(0)", "undefined_name", "x + 1")
    rc, out = _cli(path, "--keep-going")
    assert rc == 1, out
    assert "#cell1: error: ZeroDivisionError: division by zero" in out
    assert "#cell2: exit: SystemExit: 0" in out
    assert "#cell3: error: NameError: name 'undefined_name' is not defined" in out
    assert "2 of 5 code cells ran; cell 1 failed" in out
    cells = json.loads((tmp_path / "nb_executed.ipynb").read_text())["cells"]
    assert cells[4]["outputs"][0]["data"]["text/plain"] == "2"


def test_exit_code_is_zero_only_when_no_cell_failed(tmp_path):
    rc, out = _cli(_write(tmp_path, "x = 1", "print(x)", name="ok.ipynb"))
    assert rc == 0 and "2 of 2 code cells ran" in out
    rc, out = _cli(_write(tmp_path, "x = 1", "import sys; sys.exit(0)", "x", name="exit0.ipynb"))
    assert rc == 0 and "#cell1: exit: SystemExit: 0" in out          # sys.exit(0): stopped on purpose
    rc, out = _cli(_write(tmp_path, "raise SystemExit('bye')", name="bye.ipynb"))
    assert rc == 1 and "#cell0: exit: SystemExit: bye" in out
