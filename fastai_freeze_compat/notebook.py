"""``fastai-freeze-compat run NOTEBOOK.ipynb``: execute a fastai v1 notebook on the installed fastai.

The notebook runs in this Python process, cell by cell, the way Jupyter shows it: the value of a cell's
last expression is its result, prints are its stream output, ``!cmd`` runs in a shell, ``obj?`` /
``obj??`` print the signature (and source), ``%magics`` are skipped. Its ``fastai.vision`` imports are
resolved to ``fastai_freeze_compat`` for this run only (the cell text is rewritten in memory; nothing is
installed or patched), ``data_roots`` maps path prefixes in string literals (``/kaggle/input`` -> a local
folder), and every v1 API the package bridged is reported, with the cell and line that called it.

No Jupyter needed, so it also runs on the reference notebook's own stack (Python 3.7, fastai 1.0.48).
"""
import ast
import contextlib
import copy
import inspect
import io
import json
import os
import re
import subprocess
import sys
import traceback
import warnings

__all__ = ["execute_notebook", "run_notebook", "resolve_v1_imports"]

_IMPORT_RULES = [
    (re.compile(r"^(\s*)import\s+fastai\.vision\s+as\s+(\w+)", re.M), r"\1import fastai_freeze_compat as \2"),
    (re.compile(r"^(\s*)from\s+fastai\.vision\s+import\s+", re.M), r"\1from fastai_freeze_compat import "),
]


def resolve_v1_imports(source):
    "Point a cell's `fastai.vision` imports at fastai_freeze_compat (same aliases, same names)."
    for pattern, repl in _IMPORT_RULES:
        source = pattern.sub(repl, source)
    return source


def _map_roots(source, data_roots):
    for old, new in data_roots:
        source = re.sub(r"""(['"])""" + re.escape(old), lambda m: m.group(1) + new, source)
    return source


def _help_text(obj, source):
    try: sig = str(inspect.signature(obj))
    except (TypeError, ValueError): sig = "(...)"
    name = getattr(obj, "__qualname__", type(obj).__name__)
    text = f"Signature: {name}{sig}\n"
    doc = inspect.getdoc(obj)
    if doc: text += f"Docstring: {doc.splitlines()[0]}\n"
    if source:
        try: text += "Source:\n" + inspect.getsource(obj)
        except (OSError, TypeError): pass
    try: text += f"File:      {inspect.getsourcefile(obj)}\n"
    except TypeError: pass
    return text


def _split_ipython(source):
    "Yield ('python', code) and ('shell'|'help'|'magic', text) pieces of a cell, in order."
    pieces, buf = [], []
    for line in source.splitlines(keepends=True):
        s = line.strip()
        kind = ("shell" if s.startswith("!") else "magic" if s.startswith("%")
                else "help" if s.endswith("?") and not s.startswith("#") else None)
        if kind:
            if buf: pieces.append(("python", "".join(buf)))
            buf = []
            pieces.append((kind, s))
        else:
            buf.append(line)
    if buf: pieces.append(("python", "".join(buf)))
    return pieces


def _run_python(code, ns, filename):
    tree = ast.parse(code, filename, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, filename, "exec"), ns)
    return eval(compile(last, filename, "eval"), ns) if last is not None else None


def execute_notebook(nb, cwd=None, data_roots=(), resolve_imports=True):
    """Run the code cells of notebook dict `nb`; return (executed notebook, report dict).

    The report has `cells` (index, status), `bridged` (v1 APIs the package bridged: cell, line, message)
    and `error` (the first failing cell's traceback, after which execution stops, as in Jupyter)."""
    nb = copy.deepcopy(nb)
    ns = {"__name__": "__main__"}
    report = {"cells": [], "bridged": [], "error": None}
    old_cwd = os.getcwd()
    if cwd: os.chdir(str(cwd))
    count = 0
    try:
        for i, cell in enumerate(nb.get("cells", [])):
            if cell.get("cell_type") != "code": continue
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            if resolve_imports: source = resolve_v1_imports(source)
            source = _map_roots(source, data_roots)
            count += 1
            outputs, out = [], io.StringIO()
            result, status = None, "ok"
            with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out), \
                    contextlib.redirect_stderr(out):
                warnings.simplefilter("always")
                try:
                    for kind, piece in _split_ipython(source):
                        if kind == "python":
                            result = _run_python(piece, ns, f"<cell {i}>")
                        elif kind == "shell":
                            res = subprocess.run(piece[1:], shell=True, stdout=subprocess.PIPE,
                                                 stderr=subprocess.STDOUT, universal_newlines=True)
                            print(res.stdout, end="")
                            result = None
                        elif kind == "help":
                            expr = piece.rstrip("?").strip()
                            print(_help_text(eval(expr, ns), piece.endswith("??")), end="")
                            result = None
                        else:
                            result = None    # %magics: nothing to do outside IPython
                except Exception:
                    status = "error"
                    tb = traceback.format_exc()
                    report["error"] = {"cell": i, "traceback": tb}
            from ._warn import FastaiV1APIWarning
            for w in caught:
                if issubclass(w.category, FastaiV1APIWarning) and w.filename == f"<cell {i}>":
                    report["bridged"].append({"cell": i, "line": w.lineno, "message": str(w.message)})
            text = out.getvalue()
            if text: outputs.append({"output_type": "stream", "name": "stdout", "text": text})
            if status == "ok" and result is not None:
                outputs.append({"output_type": "execute_result", "execution_count": count, "metadata": {},
                                "data": {"text/plain": repr(result)}})
            if status == "error":
                err = report["error"]["traceback"].strip().splitlines()
                outputs.append({"output_type": "error", "ename": err[-1].split(":")[0], "evalue": err[-1],
                                "traceback": err})
            cell["outputs"], cell["execution_count"] = outputs, count
            report["cells"].append({"cell": i, "status": status})
            if status == "error": break
    finally:
        os.chdir(old_cwd)
    return nb, report


def run_notebook(path, out_path=None, report_path=None, data_roots=(), cwd=None):
    "Execute the notebook file `path`; write the executed notebook and a text report. Returns the report."
    with open(str(path), encoding="utf-8") as f: nb = json.load(f)
    base = str(path)[:-len(".ipynb")] if str(path).endswith(".ipynb") else str(path)
    out_path = out_path or base + "_executed.ipynb"
    report_path = report_path or base + "_report.txt"
    executed, report = execute_notebook(nb, cwd=cwd, data_roots=data_roots)
    with open(str(out_path), "w", encoding="utf-8") as f: json.dump(executed, f, indent=1, ensure_ascii=False)
    lines = [f"{path}#cell{b['cell']}:{b['line']}: bridged: {b['message']}" for b in report["bridged"]]
    ok = sum(c["status"] == "ok" for c in report["cells"])
    lines.append(f"{ok} of {len(report['cells'])} code cells ran"
                 + (f"; cell {report['error']['cell']} failed:\n{report['error']['traceback']}" if report["error"] else ""))
    with open(str(report_path), "w", encoding="utf-8") as f: f.write("\n".join(lines) + "\n")
    report["out_path"], report["report_path"] = str(out_path), str(report_path)
    return report
