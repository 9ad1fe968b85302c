"""``fastai-freeze-compat run NOTEBOOK.ipynb``: execute a fastai v1 notebook on the installed fastai.

The notebook runs in this Python process, cell by cell, the way Jupyter shows it: the value of a cell's
last expression is its result, prints are its stream output. The file is read with nbformat (notebooks of
nbformat 1-3 are converted to version 4) and each cell's IPython syntax is read by IPython's own input
transformer: ``!cmd`` runs in a shell, ``obj?`` / ``obj??`` print the signature (and source), ``%%time`` cells
run, other ``%magics`` are skipped. A cell that raises (``sys.exit`` included: it is the cell's outcome, not
the end of the run) is reported with its exception; the run stops there, as Jupyter's "run all" does, unless
``keep_going``. The executed notebook and the report are always written. Its ``fastai`` imports are resolved
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

No Jupyter needed (IPython and nbformat only), so it also runs on the reference notebook's own stack (Python 3.7,
fastai 1.0.48).
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

__all__ = ["execute_notebook", "run_notebook", "failed_cells", "resolve_v1_imports", "detect_summary_layout",
           "ends_with_semicolon"]

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


class _Shell:
    """What IPython's input transformer turns a cell's IPython syntax into calls of (``get_ipython().system``,
    ``.getoutput``, ``.run_line_magic``, ``.run_cell_magic``), outside IPython: ``!cmd`` runs in a shell,
    ``obj?`` / ``obj??`` print the signature (and source), ``%%time`` / ``%%capture`` cells run their code,
    other magics (``%matplotlib inline``, ``%reload_ext``) do nothing."""
    def __init__(self, ns): self.ns = ns

    def system(self, cmd):
        res = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        print(res.stdout, end="")

    def getoutput(self, cmd):
        res = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        return res.stdout.splitlines()

    def run_line_magic(self, name, line):
        if name in ("pinfo", "pinfo2"):
            print(_help_text(eval(line, self.ns), name == "pinfo2"), end="")

    def run_cell_magic(self, name, line, cell):
        if name in ("time", "timeit", "capture"): return _run_python(_transform(cell), self.ns, "<cell magic>")


def _transform(source):
    "A cell's IPython syntax as Python, by IPython's own input transformer."
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        raise ImportError("running a notebook needs IPython (its input transformer reads the cells' `!`, `%` and "
                          "`?` syntax): pip install ipython") from None
    return TransformerManager().transform_cell(source)


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


def execute_notebook(nb, cwd=None, data_roots=(), resolve_imports=True, summary_layout=None, keep_going=False):
    """Run the code cells of notebook dict `nb`; return (executed notebook, report dict).

    The report has `cells` (index, status: ``ok``, ``error``, ``exit`` for a ``SystemExit`` with its code, or
    ``interrupted``, and for a failure its ``ename`` / ``evalue``), `bridged` (v1 APIs the package bridged: cell,
    line, message), `error` (the first failing cell's traceback; execution stops there, as in Jupyter, unless
    `keep_going`) and `summary_layout` (the v1 layout ``learn.summary()`` prints, and why:
    :func:`detect_summary_layout`, or `summary_layout` when given)."""
    from ._v2.core import SUMMARY_LAYOUTS
    if summary_layout is None: summary_layout, why = detect_summary_layout(nb)
    elif summary_layout not in SUMMARY_LAYOUTS:
        raise ValueError(f"summary_layout must be one of {', '.join(map(repr, SUMMARY_LAYOUTS))} (the fastai v1 "
                         f"release whose summary() to print), or None to read it from the notebook; got {summary_layout!r}")
    else: why = "given"
    nb = copy.deepcopy(nb)
    ns = {"__name__": "__main__"}
    ns["get_ipython"] = lambda shell=_Shell(ns): shell
    report = {"cells": [], "bridged": [], "error": None, "summary_layout": {"layout": summary_layout, "why": why}}
    old_cwd = os.getcwd()
    if cwd: os.chdir(str(cwd))
    try:
        with _summary_layout(summary_layout):
            _execute_cells(nb, ns, report, data_roots, resolve_imports, keep_going)
    finally:
        os.chdir(old_cwd)
    return nb, report


def _run_cell(source, ns, i):
    "Run one cell's (transformed) code: its result and whether Jupyter would show it."
    result = _run_python(source, ns, f"<cell {i}>")
    # Jupyter shows no result for a cell ending in `;`
    return None if ends_with_semicolon(source) else result


def _outcome(exc):
    "(status, ename, evalue) of a cell that raised `exc`."
    if isinstance(exc, SystemExit):
        return "exit", "SystemExit", str(exc.code if exc.code is not None else 0)
    if isinstance(exc, KeyboardInterrupt): return "interrupted", "KeyboardInterrupt", ""
    return "error", type(exc).__name__, str(exc)


def _execute_cells(nb, ns, report, data_roots, resolve_imports, keep_going):
    from ._warn import FastaiV1APIWarning
    count = 0
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code": continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        count += 1
        outputs, out = [], io.StringIO()
        result, entry, tb = None, {"cell": i, "status": "ok"}, None
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(out):
            warnings.simplefilter("always")
            try:
                source = _transform(source)
                if resolve_imports: source = resolve_v1_imports(source)
                source = _map_roots(source, data_roots)
                result = _run_cell(source, ns, i)
            except (Exception, SystemExit, KeyboardInterrupt) as e:
                status, ename, evalue = _outcome(e)
                entry.update(status=status, ename=ename, evalue=evalue)
                tb = traceback.format_exc()
        for w in caught:
            if issubclass(w.category, FastaiV1APIWarning) and w.filename == f"<cell {i}>":
                report["bridged"].append({"cell": i, "line": w.lineno, "message": str(w.message)})
        text = out.getvalue()
        if text: outputs.append({"output_type": "stream", "name": "stdout", "text": text})
        if entry["status"] == "ok" and result is not None:
            outputs.append({"output_type": "execute_result", "execution_count": count, "metadata": {},
                            "data": {"text/plain": repr(result)}})
        if tb is not None:
            if report["error"] is None: report["error"] = {"cell": i, "traceback": tb}
            err = tb.strip().splitlines()
            outputs.append({"output_type": "error", "ename": entry["ename"], "evalue": entry["evalue"], "traceback": err})
        cell["outputs"], cell["execution_count"] = outputs, count
        report["cells"].append(entry)
        # a KeyboardInterrupt stops the run whatever `keep_going` says: the user asked for it
        if entry["status"] == "interrupted" or (tb is not None and not keep_going): break


def failed_cells(report):
    "The report's cells that did not run to the end (an exception, or `sys.exit` with a non-zero code)."
    return [c for c in report["cells"] if c["status"] in ("error", "interrupted")
            or (c["status"] == "exit" and c["evalue"] not in ("0", "None", "False"))]


def _read_notebook(path):
    "The notebook file `path` as a version-4 notebook dict (nbformat converts versions 1-3)."
    try:
        import nbformat
    except ImportError:
        raise ImportError("running a notebook needs nbformat (to read and convert .ipynb files): pip install nbformat") from None
    with open(str(path), encoding="utf-8") as f: text = f.read()
    return nbformat.reads(text, as_version=4)


def _report_lines(path, report):
    lines = [f"{path}#cell{b['cell']}:{b['line']}: bridged: {b['message']}" for b in report["bridged"]]
    sl = report["summary_layout"]
    lines.append(f"summary() layout: fastai {sl['layout']}'s ({sl['why']})")
    for c in report["cells"]:
        if c["status"] != "ok":
            lines.append(f"{path}#cell{c['cell']}: {c['status']}: {c['ename']}" + (f": {c['evalue']}" if c["evalue"] else ""))
    ok = sum(c["status"] == "ok" for c in report["cells"])
    left = report.get("code_cells", len(report["cells"])) - len(report["cells"])
    if left: lines.append(f"{left} code cells after cell {report['cells'][-1]['cell']} not run (--keep-going runs them)")
    lines.append(f"{ok} of {len(report['cells'])} code cells ran"
                 + (f"; cell {report['error']['cell']} failed:\n{report['error']['traceback']}" if report["error"] else ""))
    return lines


def run_notebook(path, out_path=None, report_path=None, data_roots=(), cwd=None, summary_layout=None, keep_going=False):
    """Execute the notebook file `path` (any nbformat version: older ones are converted to version 4); write the
    executed notebook and a text report, always, also when a cell failed or called ``sys.exit``. Returns the
    report (its `failed` lists the cells that failed). `summary_layout` ("1.0.48" / "1.0.61") overrides the
    layout read from the notebook (:func:`detect_summary_layout`); `keep_going` runs the cells after a failing one."""
    nb = _read_notebook(path)
    base = str(path)[:-len(".ipynb")] if str(path).endswith(".ipynb") else str(path)
    out_path = out_path or base + "_executed.ipynb"
    report_path = report_path or base + "_report.txt"
    executed, report = execute_notebook(nb, cwd=cwd, data_roots=data_roots, summary_layout=summary_layout,
                                        keep_going=keep_going)
    report["code_cells"] = sum(c.get("cell_type") == "code" for c in nb.get("cells", []))
    report["failed"] = failed_cells(report)
    with open(str(out_path), "w", encoding="utf-8") as f: json.dump(executed, f, indent=1, ensure_ascii=False)
    with open(str(report_path), "w", encoding="utf-8") as f: f.write("\n".join(_report_lines(path, report)) + "\n")
    report["out_path"], report["report_path"] = str(out_path), str(report_path)
    return report
