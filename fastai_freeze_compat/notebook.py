"""``fastai-freeze-compat run NOTEBOOK.ipynb``: execute a fastai v1 notebook on the installed fastai.

The notebook runs in this Python process, cell by cell, the way Jupyter shows it: the value of a cell's
last expression is its result, prints are its stream output, ``!cmd`` runs in a shell, ``obj?`` /
``obj??`` print the signature (and source), ``%magics`` are skipped. Its ``fastai`` imports are resolved
to the package's module tree for this run only, ``fastai.X`` -> ``fastai_freeze_compat.X`` in every import
statement (:mod:`._imports`; the cell text is rewritten in memory; nothing is installed or patched), ``data_roots`` maps path prefixes in string literals (``/kaggle/input`` -> a local
folder), and every v1 API the package bridged is reported, with the cell and line that called it.

A cell whose code ends in ``;`` shows no result, as in Jupyter (IPython's own rule when IPython is installed,
otherwise the same check on the cell's last token).

``learn.summary()`` prints the table of the fastai v1 release the notebook was written for
(:func:`detect_summary_layout`): the layout of a summary table saved in its outputs (fastai 1.0.48's: shapes
with the batch dimension, no title or footer; 1.0.61's: the model's class first, shapes without the batch
dimension, a footer), else the fastai version it shows (``fv.__version__``'s saved output, or a
``pip install fastai==1.0.NN`` in its code: 1.0.49 and before print 1.0.48's layout), else 1.0.61's, the last
v1. The report says which and why; ``summary_layout=`` overrides it. Only on fastai 2: fastai 1.x prints its own.

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
import tokenize
import traceback
import warnings

from ._imports import rewrite_fastai_imports

__all__ = ["execute_notebook", "run_notebook", "resolve_v1_imports", "detect_summary_layout", "ends_with_semicolon"]

def resolve_v1_imports(source):
    """Point a cell's fastai imports at fastai_freeze_compat (same aliases, same names): ``fastai.X`` becomes
    ``fastai_freeze_compat.X`` in every import statement (:mod:`._imports`)."""
    return rewrite_fastai_imports(source)


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


def ends_with_semicolon(code):
    """Jupyter's rule for hiding a cell's result: its last token (comments and newlines aside) is ``;``.
    IPython's own check (``DisplayHook.semicolon_at_end_of_expression``) when IPython is installed."""
    try:
        from IPython.core.displayhook import DisplayHook
        rule = getattr(DisplayHook, "semicolon_at_end_of_expression", None)
    except ImportError:
        rule = None
    try:
        if rule is not None: return bool(rule(code))
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    skip = (tokenize.ENDMARKER, tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT)
    for tok in reversed(tokens):
        if tok[0] in skip: continue
        return tok[0] == tokenize.OP and tok[1] == ";"
    return False


# -- which v1 summary() layout the notebook was written for ------------------------------------------------
_VERSION_OUT = re.compile(r"""^\s*['"]?(1\.0\.(\d+))['"]?\s*$""")
_PIP_PIN = re.compile(r"\bfastai\s*==\s*(1\.0\.(\d+))\b")
_FASTAI_ALIAS = re.compile(r"^\s*import\s+fastai(?:_freeze_compat)?(?:\.\w+)*\s+as\s+(\w+)", re.M)


def _output_texts(cell):
    for o in cell.get("outputs", []):
        parts = [o.get("text", "")] + [o.get("data", {}).get("text/plain", "")]
        for t in parts:
            t = "".join(t) if isinstance(t, list) else t
            if t: yield t


def _table_layout(text):
    "The v1 layout of a summary table in `text` (None if there is none), and why."
    lines = text.split("\n")
    head = next((k for k, l in enumerate(lines) if l.startswith("Layer (type)")), None)
    if head is None or "Total params:" not in text: return None
    rows = [l for l in lines[head + 2:] if l and l[0] not in "=_" and not l.startswith("Total")]
    titled = head >= 2 and lines[head - 1].startswith("=") and lines[head - 2].strip() != ""
    if titled or "Optimized with" in text or "Callbacks functions applied" in text:
        return "1.0.61", "fastai 1.0.61's: the model's class first and a footer"
    if rows and all(r[21:].startswith("[1, ") for r in rows if len(r) > 21 and r[21] == "["):
        return "1.0.48", "fastai 1.0.48's: output shapes with the batch dimension, no title or footer"
    return "1.0.61", ("fastai 1.0.50-1.0.52's (shapes without the batch dimension, no title or footer), closest "
                      "to 1.0.61's")


def _version_layout(version, minor):
    if int(minor) <= 49: return "1.0.48", f"fastai {version} printed 1.0.48's layout (1.0.50 dropped the batch dimension)"
    return "1.0.61", f"fastai {version} printed 1.0.61's layout" + (
        "" if int(minor) >= 53 else " without its title and footer (added in 1.0.53)")


def detect_summary_layout(nb):
    """``(layout, why)``: the fastai v1 ``summary()`` layout notebook dict `nb` was written for, "1.0.48" or "1.0.61".

    In order: a summary table in the saved outputs; the fastai version a cell printed (the saved result of a cell
    reading ``__version__``); a ``fastai==1.0.NN`` pin in the code (``!pip install fastai==1.0.48``); otherwise
    1.0.61, the last fastai v1."""
    cells = [(i, c, c["source"] if isinstance(c.get("source"), str) else "".join(c.get("source", [])))
             for i, c in enumerate(nb.get("cells", [])) if c.get("cell_type") == "code"]
    for i, cell, _ in cells:
        for text in _output_texts(cell):
            found = _table_layout(text)
            if found: return found[0], f"the summary table saved in cell {i} is {found[1]}"
    # `fv.__version__` (or `fastai.__version__`): the names the notebook imports fastai as
    aliases = {"fastai", "fastai_freeze_compat"} | {a for _, _, src in cells for a in _FASTAI_ALIAS.findall(src)}
    reads_version = re.compile(r"\b(?:" + "|".join(sorted(aliases)) + r")(?:\.\w+)*\.__version__\b")
    for i, cell, source in cells:
        if not reads_version.search(source): continue
        for text in _output_texts(cell):
            m = _VERSION_OUT.match(text)
            if m:
                layout, why = _version_layout(m.group(1), m.group(2))
                return layout, f"cell {i}'s saved output shows fastai {m.group(1)}: {why}"
    for i, _, source in cells:
        m = _PIP_PIN.search(source)
        if m:
            layout, why = _version_layout(m.group(1), m.group(2))
            return layout, f"cell {i} installs fastai {m.group(1)}: {why}"
    return "1.0.61", "the notebook shows no summary table and no fastai version: 1.0.61's, the last fastai v1"


@contextlib.contextmanager
def _summary_layout(layout):
    "The package's default summary() layout (fastai 2 only) for the run, restored afterwards."
    from ._v2.core import defaults   # imports no fastai: v1's `defaults` namespace of the fastai 2 backend
    before = defaults.summary_layout
    defaults.summary_layout = layout
    try:
        yield
    finally:
        defaults.summary_layout = before


def _run_python(code, ns, filename):
    tree = ast.parse(code, filename, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, filename, "exec"), ns)
    return eval(compile(last, filename, "eval"), ns) if last is not None else None


def execute_notebook(nb, cwd=None, data_roots=(), resolve_imports=True, summary_layout=None):
    """Run the code cells of notebook dict `nb`; return (executed notebook, report dict).

    The report has `cells` (index, status), `bridged` (v1 APIs the package bridged: cell, line, message),
    `error` (the first failing cell's traceback, after which execution stops, as in Jupyter) and
    `summary_layout` (the v1 layout ``learn.summary()`` prints, and why: :func:`detect_summary_layout`, or
    `summary_layout` when given)."""
    from ._v2.core import SUMMARY_LAYOUTS
    if summary_layout is None: summary_layout, why = detect_summary_layout(nb)
    elif summary_layout not in SUMMARY_LAYOUTS:
        raise ValueError(f"summary_layout must be one of {', '.join(map(repr, SUMMARY_LAYOUTS))} (the fastai v1 "
                         f"release whose summary() to print), or None to read it from the notebook; got {summary_layout!r}")
    else: why = "given"
    nb = copy.deepcopy(nb)
    ns = {"__name__": "__main__"}
    report = {"cells": [], "bridged": [], "error": None, "summary_layout": {"layout": summary_layout, "why": why}}
    old_cwd = os.getcwd()
    if cwd: os.chdir(str(cwd))
    try:
        with _summary_layout(summary_layout):
            _execute_cells(nb, ns, report, data_roots, resolve_imports)
    finally:
        os.chdir(old_cwd)
    return nb, report


def _execute_cells(nb, ns, report, data_roots, resolve_imports):
    from ._warn import FastaiV1APIWarning
    count = 0
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
                    result = None
                    if kind == "python":
                        result = _run_python(piece, ns, f"<cell {i}>")
                        # Jupyter shows no result for a cell ending in `;`
                        if ends_with_semicolon(piece): result = None
                    elif kind == "shell":
                        res = subprocess.run(piece[1:], shell=True, stdout=subprocess.PIPE,
                                             stderr=subprocess.STDOUT, universal_newlines=True)
                        print(res.stdout, end="")
                    elif kind == "help":
                        expr = piece.rstrip("?").strip()
                        print(_help_text(eval(expr, ns), piece.endswith("??")), end="")
                    # %magics: nothing to do outside IPython
            except Exception:
                status = "error"
                tb = traceback.format_exc()
                report["error"] = {"cell": i, "traceback": tb}
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


def run_notebook(path, out_path=None, report_path=None, data_roots=(), cwd=None, summary_layout=None):
    """Execute the notebook file `path`; write the executed notebook and a text report. Returns the report.
    `summary_layout` ("1.0.48" / "1.0.61") overrides the layout read from the notebook (:func:`detect_summary_layout`)."""
    with open(str(path), encoding="utf-8") as f: nb = json.load(f)
    base = str(path)[:-len(".ipynb")] if str(path).endswith(".ipynb") else str(path)
    out_path = out_path or base + "_executed.ipynb"
    report_path = report_path or base + "_report.txt"
    executed, report = execute_notebook(nb, cwd=cwd, data_roots=data_roots, summary_layout=summary_layout)
    with open(str(out_path), "w", encoding="utf-8") as f: json.dump(executed, f, indent=1, ensure_ascii=False)
    lines = [f"{path}#cell{b['cell']}:{b['line']}: bridged: {b['message']}" for b in report["bridged"]]
    sl = report["summary_layout"]
    lines.append(f"summary() layout: fastai {sl['layout']}'s ({sl['why']})")
    ok = sum(c["status"] == "ok" for c in report["cells"])
    lines.append(f"{ok} of {len(report['cells'])} code cells ran"
                 + (f"; cell {report['error']['cell']} failed:\n{report['error']['traceback']}" if report["error"] else ""))
    with open(str(report_path), "w", encoding="utf-8") as f: f.write("\n".join(lines) + "\n")
    report["out_path"], report["report_path"] = str(out_path), str(report_path)
    return report
