"""``fastai-freeze-compat upgrade``: rewrite fastai v1 code to native fastai 2 code.

Safe rewrites only (imports, renamed names, renamed keywords); every place where native fastai 2 gives
other numbers than the code got on fastai v1 is reported as ``file:line:col: LEVEL: message``, with how
to keep v1's behaviour. ``keep_v1_semantics=True`` also writes the explicit fastai 2 arguments that
reproduce v1 (Adam eps, weight decay on BatchNorm/bias, the one-cycle schedule, no auto-normalize).
The messages come from the table in ``changes.py``. Needs Python 3.8+ (source positions of ``ast``).
"""
import ast
import io
import json
import os
import sys
import tokenize
from collections import namedtuple

from .changes import by_key, renamed_keywords, renamed_names

__all__ = ["Finding", "upgrade_source", "upgrade_file", "format_report"]

Finding = namedtuple("Finding", "line col level message")

_V1_MODULES = {"fastai.vision", "fastai_freeze_compat", "fastai.vision.learner", "fastai.basic_train",
               "fastai.train", "fastai.basics"}
#: v1 modules whose path fastai 2 kept, with v1's names there (`from fastai.metrics import error_rate` runs as is)
_SAME_PATH_MODULES = {"fastai.metrics", "fastai.layers", "fastai.torch_core", "fastai.vision.models"}


def _keywords(function, rewrite=True):
    "v1 keyword -> fastai 2 keyword for one v1 function, from the table."
    return {kw: new for (fn, kw), new in renamed_keywords(rewrite).items() if fn == function}


# The renames come from the table (entries marked `rewrite`): cnn_learner -> vision_learner, ...
_NAME_RENAMES = renamed_names(rewrite=True)
_FOC_KW = _keywords("fit_one_cycle")                   # max_lr -> lr_max, cyc_len -> n_epoch, ...
_FIT_KW = _keywords("fit")                             # epochs -> n_epoch, callbacks -> cbs
_LEARNER_CALL_KW = _keywords("Learner")                # bn_wd -> wd_bn_bias, callback_fns / callbacks -> cbs
# cnn_learner's own keywords (data -> dls, base_arch -> arch) and the Learner keywords it passes on;
# v1 callbacks are other classes than fastai 2's, so for cnn_learner they are reported, not renamed
_CNN_KW = dict(_keywords("cnn_learner"), **{k: v for k, v in _LEARNER_CALL_KW.items() if v != "cbs"})
_LEARNER_KW = dict(_keywords("cnn_learner", None), **_keywords("Learner", None))   # every v1 -> fastai 2 spelling
# the explicit vision_learner arguments that reproduce v1's optimizer and data handling
_V1_KEEP = [("opt_func", "partial(Adam, eps=1e-8)"), ("wd", "1e-2"), ("wd_bn_bias", "True"),
            ("lr", "slice(3e-3)"), ("normalize", "False")]


def _why(key):
    c = by_key(key)
    text = f"{c.v1} -> {c.v2}: {c.what}" if c.what else f"{c.v1} -> {c.v2}"
    return text + (f" (keep v1: {c.keep_v1})" if c.keep_v1 else "")


class _Upgrader(ast.NodeVisitor):
    def __init__(self, source, keep_v1):
        self.src, self.keep_v1 = source, keep_v1
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for l in self.lines: self.starts.append(self.starts[-1] + len(l))
        self.edits, self.findings, self.learners = [], [], set()
        self.star, self.alias, self.needed = False, None, set()

    def qualify(self, text):
        "Spell fastai names for the module's import style (`from ... import *` or `import ... as fv`)."
        if self.star or not self.alias: return text
        return text.replace("partial(Adam,", f"{self.alias}.partial({self.alias}.Adam,")

    # -- helpers -----------------------------------------------------------------------------------
    def off(self, line, col):
        # ast columns are UTF-8 byte offsets
        text = self.lines[line - 1].encode("utf-8")[:col].decode("utf-8", "replace")
        return self.starts[line - 1] + len(text)

    def report(self, node, level, message):
        self.findings.append(Finding(node.lineno, node.col_offset + 1, level, message))

    def replace(self, line, col, old, new):
        start = self.off(line, col)
        if self.src[start:start + len(old)] != old: return False
        self.edits.append((start, start + len(old), new))
        return True

    def insert_kwargs(self, call, text):
        end = self.off(call.end_lineno, call.end_col_offset) - 1          # the closing parenthesis
        sep = ", " if (call.args or call.keywords) else ""
        self.edits.append((end, end, sep + text))

    # -- imports -------------------------------------------------------------------------------------
    def visit_Import(self, node):
        for alias in node.names:
            if alias.name in ("fastai.vision", "fastai_freeze_compat"):
                self.alias = alias.asname or alias.name
                seg = ast.get_source_segment(self.src, node)
                new = seg.replace(alias.name, "fastai.vision.all", 1)
                start = self.off(node.lineno, node.col_offset)
                self.edits.append((start, start + len(seg), new))
                self.report(node, "INFO", f"import {alias.name} -> import fastai.vision.all")

    def visit_ImportFrom(self, node):
        if node.module in ("fastai.vision", "fastai_freeze_compat"):
            self.star = self.star or any(a.name == "*" for a in node.names)
            seg = ast.get_source_segment(self.src, node)
            start = self.off(node.lineno, node.col_offset)
            new = seg.replace(node.module, "fastai.vision.all", 1)
            for alias in node.names:
                if alias.name in _NAME_RENAMES:
                    new = new.replace(alias.name, _NAME_RENAMES[alias.name])
            self.edits.append((start, start + len(seg), new))
            self.report(node, "INFO", f"from {node.module} import ... -> from fastai.vision.all import ...")
        elif node.module in _SAME_PATH_MODULES:
            self.report(node, "INFO", f"from {node.module} import ...: fastai 2 has {node.module} too; left as is")
        elif node.module and node.module.startswith("fastai.") and node.module not in _V1_MODULES:
            self.report(node, "WARNING", f"fastai v1 module {node.module} has no fastai 2 counterpart of that "
                                         "name: port these imports by hand")

    # -- names -----------------------------------------------------------------------------------------
    def visit_Assign(self, node):
        if isinstance(node.value, ast.Call) and _callee(node.value) in ("cnn_learner", "create_cnn", "Learner",
                                                                        "unet_learner"):
            for t in node.targets:
                if isinstance(t, ast.Name): self.learners.add(t.id)
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr == "__version__" and isinstance(node.value, ast.Name) and node.value.id == self.alias:
            # `fv` is now `fastai.vision.all`, which has no `__version__`: read fastai's own
            seg = f"{self.alias}.__version__"
            if self.replace(node.lineno, node.col_offset, seg, "__import__('fastai').__version__"):
                self.report(node, "INFO", f"{seg} -> __import__('fastai').__version__ (fastai.vision.all has no __version__)")
        if node.attr == "data" and isinstance(node.value, ast.Name) and node.value.id in self.learners:
            if self.replace(node.end_lineno, node.end_col_offset - 4, "data", "dls"):
                self.report(node, "INFO", "learn.data -> learn.dls (renamed)")
        elif node.attr == "layer_groups":
            self.report(node, "ERROR", "learn.layer_groups does not exist in fastai 2: " + _why("behaviour.layer_groups"))
        self.generic_visit(node)

    def visit_Call(self, node):
        name = _callee(node)
        handler = getattr(self, "call_" + name, None) if name else None
        if handler: handler(node)
        self.generic_visit(node)

    def _rename_callee(self, node, new):
        f = node.func
        if isinstance(f, ast.Name):
            return self.replace(f.lineno, f.col_offset, f.id, new)
        return self.replace(f.end_lineno, f.end_col_offset - len(f.attr), f.attr, new)

    def _rename_kwargs(self, node, table, where):
        for kw in node.keywords:
            if kw.arg in table:
                if self.replace(kw.lineno, kw.col_offset, kw.arg, table[kw.arg]):
                    self.report(kw, "INFO", f"{where}({kw.arg}=...) -> {where}({table[kw.arg]}=...)")

    def call_cnn_learner(self, node, old="cnn_learner"):
        self._rename_callee(node, "vision_learner")
        self.report(node, "WARNING", f"{old} -> vision_learner: " + _why("default.head_bias") + "; "
                    + _why("default.normalize"))
        self._rename_kwargs(node, _CNN_KW, "vision_learner")
        for kw in node.keywords:
            if kw.arg == "split_on":
                self.report(kw, "ERROR", "split_on -> splitter cannot be rewritten: " + _why("kw.split_on"))
            elif kw.arg in ("callback_fns", "callbacks"):
                self.report(kw, "WARNING", f"{kw.arg}: v1 callbacks are other classes; pass fastai 2 callbacks as cbs=")
            elif kw.arg == "true_wd":
                self.report(kw, "ERROR", "true_wd: " + _why("kw.true_wd"))
            elif kw.arg == "custom_head":
                self.report(kw, "WARNING", "custom_head: fastai 2's create_head doubles nf itself for concat "
                                           "pooling; v1 expected it doubled")
        if self.keep_v1:
            have = {_LEARNER_KW.get(kw.arg, kw.arg) for kw in node.keywords}
            extra = [f"{k}={self.qualify(v)}" for k, v in _V1_KEEP if k not in have]
            if any(k == "opt_func" for k, _ in _V1_KEEP if k not in have) and not self.star and not self.alias:
                self.needed |= {"Adam", "partial"}       # the names `partial(Adam, eps=1e-8)` uses
            if extra:
                self.insert_kwargs(node, ", ".join(extra))
                self.report(node, "INFO", "keep v1 semantics: added " + ", ".join(extra))

    def call_create_cnn(self, node):
        self.call_cnn_learner(node, old="create_cnn")

    def call_create_cnn_model(self, node):
        self._rename_callee(node, "create_vision_model")
        self.report(node, "WARNING", "create_cnn_model -> create_vision_model: " + _why("default.head_bias"))

    def call_fit_one_cycle(self, node):
        self._rename_kwargs(node, _FOC_KW, "fit_one_cycle")
        have = {kw.arg for kw in node.keywords}
        for kw in node.keywords:
            if kw.arg == "moms" and isinstance(kw.value, ast.Tuple) and len(kw.value.elts) == 2:
                seg = ast.get_source_segment(self.src, kw.value)
                a = ast.get_source_segment(self.src, kw.value.elts[0])
                new = seg[:-1].rstrip().rstrip(",") + ", " + a + ")"
                start = self.off(kw.value.lineno, kw.value.col_offset)
                self.edits.append((start, start + len(seg), new))
                self.report(kw, "INFO", "moms=(a, b) -> moms=(a, b, a): " + _why("default.moms"))
            elif kw.arg in ("tot_epochs", "start_epoch"):
                self.report(kw, "ERROR", f"fit_one_cycle({kw.arg}=...) has no fastai 2 equivalent; remove it and "
                                         "schedule by hand")
        self.report(node, "WARNING", "fit_one_cycle: " + _why("default.pct_start") + "; " + _why("default.final_div"))
        if "max_lr" not in have and len(node.args) < 2:
            self.report(node, "WARNING", "fit_one_cycle without max_lr: " + _why("default.lr"))
        if self.keep_v1:
            extra = []
            if "pct_start" not in have: extra.append("pct_start=0.3")
            if "final_div" not in have:
                extra.append("div_final=" + ("(%s)*1e4" % ast.get_source_segment(self.src, _kw(node, "div_factor"))
                                             if "div_factor" in have else "25e4"))
            if "max_lr" not in have and len(node.args) < 2: extra.append("lr_max=slice(3e-3)")
            if extra:
                self.insert_kwargs(node, ", ".join(extra))
                self.report(node, "INFO", "keep v1 semantics: added " + ", ".join(extra)
                            + " (v1 floors the warm-up to int(n_iter*0.3) iterations)")

    def call_fit(self, node):
        if not isinstance(node.func, ast.Attribute): return
        self._rename_kwargs(node, _FIT_KW, "fit")
        if len(node.args) < 2 and "lr" not in {kw.arg for kw in node.keywords}:
            self.report(node, "WARNING", "fit without lr: " + _why("default.lr"))

    def call_Learner(self, node):
        self._rename_kwargs(node, _LEARNER_CALL_KW, "Learner")
        for kw in node.keywords:
            if kw.arg in ("true_wd", "layer_groups"):
                self.report(kw, "ERROR", f"Learner({kw.arg}=...) has no fastai 2 argument: "
                            + _why("kw.true_wd" if kw.arg == "true_wd" else "behaviour.layer_groups"))
        self.report(node, "WARNING", "Learner: " + _why("default.adam_eps") + "; " + _why("default.wd_bn_bias"))

    def call_ImageDataBunch(self, node):
        self.report(node, "ERROR", "ImageDataBunch needs a manual port: " + _why("name.ImageDataBunch"))

    def call_from_folder(self, node):
        if _base_name(node.func) == "ImageDataBunch":
            self.report(node, "ERROR", "ImageDataBunch.from_folder needs a manual port: ImageDataLoaders.from_folder("
                        "path, valid_pct=..., seed=..., item_tfms=Resize(size), batch_tfms=aug_transforms()); "
                        + _why("behaviour.random_split"))

    def call_get_transforms(self, node):
        self.report(node, "WARNING", "get_transforms -> aug_transforms is not a drop-in: " + _why("name.get_transforms"))

    def call_normalize(self, node):
        self.report(node, "WARNING", "data.normalize(stats) -> batch_tfms=[..., Normalize.from_stats(*stats)]")

    def call_freeze(self, node):
        self.report(node, "WARNING", "freeze(): " + _why("behaviour.freeze_one_group") + "; "
                    + _why("default.train_bn_types"))

    def call_split(self, node):
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                and node.func.value.id in self.learners:
            self.report(node, "ERROR", "learn.split(...) has no fastai 2 method: " + _why("kw.split_on"))

    def call_lr_find(self, node):
        self.report(node, "INFO", "lr_find: " + _why("behaviour.lr_find"))

    def call_plot_losses(self, node):
        if self._rename_callee(node, "plot_loss"):
            self.report(node, "INFO", "recorder.plot_losses() -> recorder.plot_loss()")

    def call_plot(self, node):
        if _base_name(node.func) == "recorder":
            self.report(node, "WARNING", "recorder.plot() -> recorder.plot_lr_find(); lr_find() plots and "
                                         "returns its suggestions itself")

    def call_load(self, node):
        if isinstance(node.func, ast.Attribute) and _base_name(node.func) in self.learners:
            self.report(node, "WARNING", "learn.load of a fastai v1 checkpoint: " + _why("behaviour.checkpoint"))

    def call_requires_grad(self, node):
        if len(node.args) == 2:
            self.report(node, "WARNING", "requires_grad(m, b): " + _why("name.requires_grad"))


def _callee(call):
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def _base_name(func):
    "For `a.b.method(...)`: the name right before the method (`b`), or None."
    if not isinstance(func, ast.Attribute): return None
    v = func.value
    return v.id if isinstance(v, ast.Name) else v.attr if isinstance(v, ast.Attribute) else None


def _kw(call, name):
    return next(kw.value for kw in call.keywords if kw.arg == name)


def _is_help(line):
    "`obj?` / `obj??`: the line's code (not a comment or a string) ends with `?`."
    s = line.strip()
    if not s.endswith("?") or s.startswith("#"): return False
    try:
        toks = [t for t in tokenize.generate_tokens(io.StringIO(s).readline)
                if t.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER)]
    except (tokenize.TokenError, SyntaxError):
        return True
    # `lr = 3e-3  # or 1e-2?`: the `?` is in a comment
    return bool(toks) and toks[-1].type != tokenize.COMMENT and toks[-1].string.endswith("?")


def _mask_ipython(source):
    "Comment out IPython-only lines (magics, shell escapes, `obj??`) so the cell parses; offsets unchanged."
    out = []
    for line in source.splitlines(keepends=True):
        s = line.strip()
        if s.startswith(("!", "%")) or _is_help(line):
            indent = len(line) - len(line.lstrip())
            line = line[:indent] + "#" + line[indent + 1:] if len(line) > indent else line
        out.append(line)
    return "".join(out)


def upgrade_source(source, keep_v1_semantics=False, state=None):
    """Upgrade one piece of Python source: returns (new_source, [Finding]). `state` (a dict) carries what earlier
    cells of a notebook imported (the fastai alias, a star import) and named (learners) into the next."""
    if sys.version_info < (3, 8):
        raise RuntimeError("upgrade needs Python 3.8 or later (source positions in ast)")
    masked = _mask_ipython(source)
    try:
        tree = ast.parse(masked)
    except SyntaxError as e:
        return source, [Finding(e.lineno or 1, (e.offset or 0) + 1, "ERROR", f"cannot parse: {e.msg}; left unchanged")]
    up = _Upgrader(source, keep_v1_semantics)
    if state: up.star, up.alias, up.learners = state["star"], state["alias"], set(state["learners"])
    up.src = masked
    up.visit(tree)
    if state is not None: state.update(star=up.star, alias=up.alias, learners=up.learners)
    up.src = source
    new = source
    for start, end, text in sorted(up.edits, key=lambda e: (e[0], e[1]), reverse=True):
        new = new[:start] + text + new[end:]
    findings = up.findings
    if up.needed:
        # names the rewrite inserted that neither a star import nor an alias brings into scope
        line = f"from fastai.vision.all import {', '.join(sorted(up.needed))}"
        new = line + "\n" + new
        findings = [f._replace(line=f.line + 1) for f in findings]
        findings.append(Finding(1, 1, "INFO", f"added `{line}` for the names the rewrite inserted"))
    return new, sorted(findings)


def upgrade_file(path, out_path, keep_v1_semantics=False):
    "Upgrade a .py or .ipynb file into `out_path`; returns [(location, Finding)] (location: file or file#cellN)."
    path, out_path = str(path), str(out_path)
    with open(path, encoding="utf-8") as f: text = f.read()
    report = []
    if path.endswith(".ipynb"):
        nb = json.loads(text)
        state = {}
        for i, cell in enumerate(nb.get("cells", [])):
            if cell.get("cell_type") != "code": continue
            src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            new, findings = upgrade_source(src, keep_v1_semantics, state)
            cell["source"] = new.splitlines(keepends=True)
            report += [(f"{path}#cell{i}", f) for f in findings]
        text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    else:
        text, findings = upgrade_source(text, keep_v1_semantics)
        report = [(path, f) for f in findings]
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f: f.write(text)
    os.replace(tmp, out_path)
    return report


def format_report(report):
    "Lines of `file:line:col: LEVEL: message`."
    return "\n".join(f"{loc}:{f.line}:{f.col}: {f.level}: {f.message}" for loc, f in report)
