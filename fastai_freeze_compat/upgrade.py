"""``fastai-freeze-compat upgrade``: rewrite fastai v1 code to native fastai 2 code.

A generic engine over the syntax tree applies the declarative specs of ``_upgrade_specs.py`` (renames, keyword
renames, whole-call rewrites with their argument mapping, refusals and their reason) and the table of changes
(``changes.py``); it never imports fastai. v1's ``ImageDataBunch`` factories become ``ImageDataLoaders`` calls
and v1's data block chains a ``DataBlock``; every place where native fastai 2 gives other numbers than the
code got on fastai v1 is reported as ``file:line:col: LEVEL: message``, with how to keep v1's behaviour, and
what cannot be converted exactly is left as it is and reported as an ERROR. ``keep_v1_semantics=True`` also
writes the explicit fastai 2 arguments that reproduce v1 (Adam eps, weight decay on BatchNorm/bias, the
one-cycle schedule, v1's head and split, no auto-normalize). Needs Python 3.8+ (source positions of ``ast``).
"""
import ast
import io
import json
import os
import re
import sys
import tokenize
from collections import namedtuple

from . import _upgrade_specs as S
from .changes import by_key

__all__ = ["Finding", "upgrade_source", "upgrade_file", "format_report"]

Finding = namedtuple("Finding", "line col level message")
_FNAME = re.compile(r"\{F\}(\w+)")


def _why(key):
    c = by_key(key)
    text = f"{c.v1} -> {c.v2}: {c.what}" if c.what else f"{c.v1} -> {c.v2}"
    return text + (f" (keep v1: {c.keep_v1})" if c.keep_v1 else "")


class _Refused(Exception):
    "A call that cannot be converted exactly: reported as an ERROR and left as it is."


def _callee(call):
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def _base_name(func):
    "For `a.b.method(...)`: the name right before the method (`b`), or None."
    if not isinstance(func, ast.Attribute): return None
    v = func.value
    return v.id if isinstance(v, ast.Name) else v.attr if isinstance(v, ast.Attribute) else None


def _last_name(node):
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


class _Upgrader(ast.NodeVisitor):
    def __init__(self, source, keep_v1):
        self.src, self.keep_v1 = source, keep_v1
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for l in self.lines: self.starts.append(self.starts[-1] + len(l))
        self.edits, self.findings = [], []
        self.learners, self.datas = {}, set()          # learner name -> architecture name (or None); data names
        self.star, self.alias, self.needed = False, None, set()
        self.statements, self.factories = set(), {}    # calls whose value is unused; data name -> its factory
        self.done, self.pending_names = set(), []       # calls already rewritten; names the current statement binds
        self.tfms_names = set()                         # names bound to get_transforms(...), now aug_transforms(...)
        self.partial = set()                            # names bound to a data block chain without .databunch()

    # -- source positions and edits ------------------------------------------------------------------
    def off(self, line, col):
        # ast columns are UTF-8 byte offsets
        text = self.lines[line - 1].encode("utf-8")[:col].decode("utf-8", "replace")
        return self.starts[line - 1] + len(text)

    def span(self, node): return self.off(node.lineno, node.col_offset), self.off(node.end_lineno, node.end_col_offset)
    def seg(self, node): return ast.get_source_segment(self.src, node)

    def report(self, node, level, message):
        self.findings.append(Finding(node.lineno, node.col_offset + 1, level, message))

    def replace(self, line, col, old, new):
        start = self.off(line, col)
        if self.src[start:start + len(old)] != old: return False
        self.edits.append((start, start + len(old), new))
        return True

    def replace_node(self, node, new):
        start, end = self.span(node)
        self.edits.append((start, end, new))

    def insert_kwargs(self, call, text):
        end = self.off(call.end_lineno, call.end_col_offset) - 1          # the closing parenthesis
        sep = ", " if (call.args or call.keywords) else ""
        self.edits.append((end, end, sep + text))

    def fmt(self, template, **kw):
        "Fill a spec template; `{F}Name` spells a fastai name in this module's import style."
        if not self.star and not self.alias: self.needed |= set(_FNAME.findall(template))
        return template.format(F=f"{self.alias}." if (self.alias and not self.star) else "", **kw)

    # -- imports -------------------------------------------------------------------------------------
    def visit_Import(self, node):
        for alias in node.names:
            if alias.name in S.UPGRADE_MODULES:
                new_mod = S.UPGRADE_MODULES[alias.name]
                self.alias = alias.asname or alias.name
                seg = self.seg(node)
                start = self.off(node.lineno, node.col_offset)
                self.edits.append((start, start + len(seg), seg.replace(alias.name, new_mod, 1)))
                self.report(node, "INFO", f"import {alias.name} -> import {new_mod}")

    def visit_ImportFrom(self, node):
        if node.module in S.UPGRADE_MODULES:
            new_mod = S.UPGRADE_MODULES[node.module]
            self.star = self.star or any(a.name == "*" for a in node.names)
            seg = self.seg(node)
            start = self.off(node.lineno, node.col_offset)
            new = seg.replace(node.module, new_mod, 1)
            for alias in node.names:
                if alias.name in S.IMPORT_RENAMES:
                    new = re.sub(rf"\b{alias.name}\b", S.IMPORT_RENAMES[alias.name], new)
            self.edits.append((start, start + len(seg), new))
            self.report(node, "INFO", f"from {node.module} import ... -> from {new_mod} import ...")
        elif node.module in S.SAME_PATH_MODULES:
            self.report(node, "INFO", f"from {node.module} import ...: fastai 2 has {node.module} too; left as is")
        elif node.module and node.module.startswith("fastai.") and node.module not in S.KNOWN_V1_MODULES:
            self.report(node, "WARNING", f"fastai v1 module {node.module} has no fastai 2 counterpart of that "
                                         "name: port these imports by hand")

    # -- statements: what names are bound to -----------------------------------------------------------
    def visit_Expr(self, node):
        if isinstance(node.value, ast.Call): self.statements.add(id(node.value))
        self.generic_visit(node)

    def visit_Assign(self, node):
        v = node.value
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        if isinstance(v, ast.Call) and S.CALLS.get(_callee(v), {}).get("learner"):
            arch = v.args[1] if len(v.args) > 1 else next((k.value for k in v.keywords if k.arg in ("base_arch", "arch")), None)
            known = arch is not None and S.CALLS[_callee(v)].get("arch")     # cnn_learner's layer groups only
            for n in names: self.learners[n] = _last_name(arch) if known else None
        chain = self.data_chain(v) if isinstance(v, ast.Call) else None
        if chain:
            self.datas.update(names)
            self.pending_names = names
            if "databunch" not in [m for m, _ in chain[2]] and chain[0] != "ImageDataBunch":
                self.partial.update(names)
        self.generic_visit(node)
        self.pending_names = []

    # -- attributes ------------------------------------------------------------------------------------
    def visit_Attribute(self, node):
        spec = S.ATTRIBUTES.get(node.attr)
        base = node.value.id if isinstance(node.value, ast.Name) else None
        if spec and spec.get("receiver") == "alias" and base == self.alias and base:
            seg = f"{self.alias}.{node.attr}"
            if self.replace(node.lineno, node.col_offset, seg, spec["rewrite"]):
                self.report(node, "INFO", f"{seg} -> {spec['rewrite']} (fastai.vision.all has no {node.attr})")
        elif spec and spec.get("receiver") == "learner" and base in self.learners:
            n = len(node.attr)
            if self.replace(node.end_lineno, node.end_col_offset - n, node.attr, spec["rename"]):
                self.report(node, "INFO", f"learn.{node.attr} -> learn.{spec['rename']} (renamed)")
        elif spec and spec.get("special") == "layer_groups":
            self.layer_groups(node)
        self.generic_visit(node)

    def layer_groups(self, node, in_len=None):
        "v1's learn.layer_groups: the same modules cut from fastai 2's model where its body is v1's, else ERROR."
        learn = self.seg(node.value)
        arch = self.learners.get(learn) if isinstance(node.value, ast.Name) else None
        groups = S.LAYER_GROUPS.get(arch)
        if groups:
            new = self.fmt(S.LAYER_GROUPS_EXPR, groups=", ".join(g.format(m=f"{learn}.model") for g in groups))
            self.replace_node(node, new)
            self.report(node, "INFO", f"{learn}.layer_groups -> v1's {len(groups)} layer groups of {arch}, cut from "
                                      f"{learn}.model as v1's split does (lists of leaf layers)")
        elif in_len is not None:
            self.replace_node(in_len, f"len({learn}.splitter({learn}.model))")
            self.report(node, "WARNING", f"len({learn}.layer_groups) -> len({learn}.splitter({learn}.model)), the "
                        "number of fastai 2's parameter groups: v1's for resnet, densenet, vgg and alexnet; squeezenet "
                        "has 3 instead of v1's 4 (" + _why("behaviour.squeezenet_groups") + ")")
        else:
            why = f"no native rewrite for {arch}" if arch else "the learner's architecture is not known here"
            self.report(node, "ERROR", f"learn.layer_groups does not exist in fastai 2 ({why}; native rewrites "
                        f"for {', '.join(sorted(S.LAYER_GROUPS))}): " + _why("behaviour.layer_groups"))

    # -- calls -----------------------------------------------------------------------------------------
    def visit_Call(self, node):
        if id(node) in self.done: return self.generic_visit(node)
        chain = self.data_chain(node)
        if chain:
            try: self.convert_data(node, chain)
            except _Refused as e: self.report(node, "ERROR", str(e) + "; left as it is")
            return                                          # its arguments were copied as they are
        name = _callee(node)
        if name == "len" and len(node.args) == 1 and isinstance(node.args[0], ast.Attribute) \
                and node.args[0].attr == "layer_groups":
            self.layer_groups(node.args[0], in_len=node)
            return self.visit(node.args[0].value)
        spec = S.CALLS.get(name)
        if spec and self.receiver_ok(node, spec.get("receiver")):
            self.apply_call(node, name, spec)
        self.generic_visit(node)

    def receiver_ok(self, node, receiver):
        f = node.func
        if receiver is None: return True
        if not isinstance(f, ast.Attribute): return False
        if receiver == "learner": return isinstance(f.value, ast.Name) and f.value.id in self.learners
        if receiver == "recorder": return _base_name(f) == "recorder"
        if receiver == "data":
            return isinstance(f.value, ast.Name) and f.value.id in self.datas or _base_name(f) in ("data", "dls")
        return True

    def rename_callee(self, node, new):
        f = node.func
        if isinstance(f, ast.Name): return self.replace(f.lineno, f.col_offset, f.id, new)
        return self.replace(f.end_lineno, f.end_col_offset - len(f.attr), f.attr, new)

    def bind(self, call, params, where):
        "v1's arguments by parameter name (positional ones by position); unmappable calls are refused."
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            raise _Refused(f"{where}(*args / **kwargs): the arguments cannot be mapped to fastai 2's by name")
        if len(call.args) > len(params):
            raise _Refused(f"{where}: {len(call.args)} positional arguments, v1's signature maps {len(params)}")
        got = dict(zip(params, call.args))
        got.update((k.arg, k.value) for k in call.keywords)
        return got

    def apply_call(self, node, name, spec):
        where = spec.get("rename", name)
        if "refuse_call" in spec:
            return self.report(node, "ERROR", f"{name}(...) has no native fastai 2 rewrite: " + _why(spec["refuse_call"]))
        if "rewrite" in spec:
            return self.rewrite_call(node, name, spec)
        if spec.get("rename") and self.rename_callee(node, spec["rename"]):
            old = spec.get("warn_as", name)
            msg = f"{old} -> {spec['rename']}"
            if spec.get("warn"): self.report(node, "WARNING", msg + ": " + "; ".join(_why(k) for k in spec["warn"]))
            else: self.report(node, "INFO", msg)
        elif spec.get("warn"):
            self.report(node, "WARNING", f"{name}: " + "; ".join(_why(k) for k in spec["warn"]))
        if spec.get("warn_text"): self.report(node, "WARNING", spec["warn_text"])
        for k in spec.get("info", ()): self.report(node, "INFO", f"{name}: " + _why(k))
        if node.args and spec.get("refuse_positional"):
            self.report(node, "ERROR", f"{where}(<positional>) has no fastai 2 argument in that place: "
                        + _why(spec["refuse_positional"]))
        for kw in node.keywords:
            new = spec.get("keywords", {}).get(kw.arg)
            if new and self.replace(kw.lineno, kw.col_offset, kw.arg, new):
                self.report(kw, "INFO", f"{where}({kw.arg}=...) -> {where}({new}=...)")
            if kw.arg in spec.get("refuse", {}):
                self.report(kw, "ERROR", f"{where}({kw.arg}=...) has no fastai 2 argument: " + _why(spec["refuse"][kw.arg]))
            if kw.arg in spec.get("refuse_text", {}):
                self.report(kw, "ERROR", f"{where}({kw.arg}=...) " + spec["refuse_text"][kw.arg])
            if kw.arg in spec.get("warn_kw", {}):
                self.report(kw, "WARNING", f"{kw.arg}: " + spec["warn_kw"][kw.arg])
            if kw.arg == spec.get("tuple3") and isinstance(kw.value, ast.Tuple) and len(kw.value.elts) == 2:
                seg = self.seg(kw.value)
                self.replace_node(kw.value, seg[:-1].rstrip().rstrip(",") + ", " + self.seg(kw.value.elts[0]) + ")")
                self.report(kw, "INFO", f"{kw.arg}=(a, b) -> {kw.arg}=(a, b, a): " + _why("default.moms"))
        have_lr = len(node.args) > spec.get("lr_position", 99) or spec.get("lr_keyword") in {k.arg for k in node.keywords}
        if spec.get("warn_if_no_lr") and not have_lr:
            self.report(node, "WARNING", f"{name} without {spec['lr_keyword']}: " + _why(spec["warn_if_no_lr"]))
        if self.keep_v1 and spec.get("keep_v1"):
            getattr(self, "keep_v1_" + spec["keep_v1"])(node, spec, have_lr)

    def rewrite_call(self, node, name, spec):
        "A whole-call template over v1's arguments by name (`requires_grad(m, b)` -> `m.requires_grad_(b)`)."
        f = node.func
        try: args = self.bind(node, spec["args"], name)
        except _Refused as e: return self.report(node, "ERROR", str(e))
        if spec["when"] not in args: return
        base = f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else None
        if name == "normalize" and base in self.factories:
            # folded into the batch_tfms of its factory in the same source; the call's value is the data itself
            self.factories[base]["norm"] = self.fmt("{F}Normalize.from_stats(*{s})", s=self.seg(args["stats"]))
            self.replace_node(node, base)
            return self.report(node, "INFO", f"{base}.normalize(stats) -> batch_tfms=[..., Normalize.from_stats(*stats)]"
                               " of its factory above")
        if spec.get("statement") and id(node) not in self.statements:
            return self.report(node, "ERROR", f"{name}(...)'s value is used: no native fastai 2 rewrite returns what "
                               f"v1's did; " + _why(spec["change"]))
        vals = {k: self.seg(v) for k, v in args.items()}
        if isinstance(f, ast.Attribute): vals["obj"] = self.seg(f.value)
        new = self.fmt(spec["rewrite"], **vals)
        self.replace_node(node, new)
        self.report(node, "INFO", f"{self.seg(node).splitlines()[0]} -> {new}: " + _why(spec["change"]))

    # -- --keep-v1-semantics -----------------------------------------------------------------------------
    def keep_v1_learner(self, node, spec, have_lr):
        names = {spec["keywords"].get(kw.arg, kw.arg) for kw in node.keywords} | {kw.arg for kw in node.keywords}
        extra = [f"{k}={self.fmt(v)}" for k, v in S.KEEP_V1_LEARNER if k not in names]
        arch = _last_name(node.args[1]) if len(node.args) > 1 else None
        if "custom_head" not in names and arch in S.HEAD_NF and node.args:
            extra.append("custom_head=" + self.fmt(S.V1_HEAD, nf=S.HEAD_NF[arch], data=self.seg(node.args[0])))
        elif "custom_head" not in names:
            self.report(node, "WARNING", f"keep v1 semantics: v1's head for {arch} is not known here: "
                        + _why("default.head_bias"))
        if extra:
            self.insert_kwargs(node, ", ".join(extra))
            self.report(node, "INFO", "keep v1 semantics: added " + ", ".join(e.split("=")[0] for e in extra))

    def keep_v1_one_cycle(self, node, spec, have_lr):
        have = {kw.arg for kw in node.keywords}
        extra = []
        learn = self.seg(node.func.value) if isinstance(node.func, ast.Attribute) else None
        if "pct_start" not in have and node.args and learn:
            n, it = self.seg(node.args[0]), f"len({learn}.dls.train)"
            extra.append(f"pct_start=max(1, int(0.3*({n})*{it}))/(({n})*{it})")
        if "final_div" not in have:
            div = next((k.value for k in node.keywords if k.arg == "div_factor"), None)
            extra.append("div_final=" + (f"({self.seg(div)})*1e4" if div is not None else "25e4"))
        if not have_lr: extra.append("lr_max=slice(3e-3)")
        if extra:
            self.insert_kwargs(node, ", ".join(extra))
            self.report(node, "INFO", "keep v1 semantics: added " + ", ".join(extra)
                        + " (v1 floors the warm-up to int(n_iter*0.3) iterations)")

    # -- data: ImageDataBunch factories and data block chains --------------------------------------------
    def data_chain(self, node):
        "[(method, call), ...] from v1's ImageDataBunch.from_* / ImageList.from_* call out to `node`, or None."
        chain, cur = [], node
        while isinstance(cur, ast.Call) and isinstance(cur.func, ast.Attribute):
            chain.append((cur.func.attr, cur))
            base = cur.func.value
            lists = {"ImageDataBunch", "ImageList", "ImageItemList"} | S.CHAIN["other_lists"]
            if (_last_name(base) in lists and not isinstance(base, ast.Call)) or \
                    (isinstance(base, ast.Name) and base.id in self.partial):
                chain.reverse()
                return (_last_name(base), base, chain)
            cur = base
        return None

    def tfms_text(self, node, where):
        "v1's ds_tfms / transform(tfms): get_transforms(...) or a name bound to it -> fastai 2's batch_tfms."
        if isinstance(node, ast.Constant) and node.value is None: return None
        if isinstance(node, ast.Call) and _callee(node) == "get_transforms":
            bad = [k.arg for k in node.keywords if k.arg not in S.TFMS_KWARGS]
            if node.args or bad:
                raise _Refused(f"{where}: get_transforms({', '.join(map(str, bad)) or 'positional arguments'}) has "
                               "no aug_transforms keyword of that meaning")
            self.report(node, "WARNING", "get_transforms -> aug_transforms is not a drop-in: " + _why("name.get_transforms"))
            kw = ", ".join(self.seg(k) for k in node.keywords)
            return self.fmt("{F}aug_transforms({kw})", kw=kw)
        if isinstance(node, ast.Name) and node.id in self.tfms_names:
            return node.id                        # its get_transforms(...) was rewritten where it was bound
        raise _Refused(f"{where}: the transforms {self.seg(node)!r} are not get_transforms(...)")

    def convert_data(self, node, chain):
        kind, base, calls = chain
        names = [m for m, _ in calls]
        norm_at = names.index("normalize") if "normalize" in names else None
        if norm_at is not None and norm_at != len(names) - 1:
            raise _Refused("normalize() in the middle of the chain")
        norm = None
        if norm_at is not None:
            ncall = calls[-1][1]
            args = self.bind(ncall, ["stats", "do_x", "do_y"], "normalize")
            if set(args) - {"stats"}: raise _Refused("normalize(do_x=/do_y=): no fastai 2 equivalent")
            if "stats" in args:
                norm = self.fmt("{F}Normalize.from_stats(*{s})", s=self.seg(args["stats"]))
            else:
                norm = self.fmt("{F}Normalize()")
                self.report(ncall, "WARNING", "normalize() without stats: fastai 2's Normalize() computes them from "
                            "one batch as v1 did, but not from v1's batch")
            calls = calls[:-1]
        if kind == "ImageDataBunch":
            if len(calls) != 1 or calls[0][0] not in S.FACTORIES:
                raise _Refused(f"ImageDataBunch.{calls[0][0]}(...): no ImageDataLoaders factory to map it to")
            self.convert_factory(node, base, calls[0][1], calls[0][0], norm)
        elif isinstance(base, ast.Name) and base.id in self.partial:
            raise _Refused(f"a data block chain continued from {base.id} (bound without .databunch() above): convert "
                           "both statements by hand as one DataBlock (" + _why("name.ItemList") + ")")
        elif kind in S.CHAIN["other_lists"]:
            raise _Refused(f"{kind}: upgrade maps ImageList chains only (image classification); port this one to a "
                           "DataBlock with the blocks of its targets by hand")
        else:
            self.convert_chain(node, base, calls, norm)

    def batch_tfms(self, aug, norm):
        if aug and norm: return f"[*{aug}, {norm}]"
        return aug or norm

    def convert_factory(self, node, base, call, name, norm):
        spec = S.FACTORIES[name]
        where = f"ImageDataBunch.{name}"
        args = self.bind(call, spec["params"], where)
        for h in spec["head"]:
            if h not in args: raise _Refused(f"{where} without {h}")
        out, aug, item = [self.seg(args[h]) for h in spec["head"]], None, None
        if name == "from_df": out.append(f"path={self.seg(args['path'])}")
        for k, v in args.items():
            if k in spec["head"] or (name == "from_df" and k == "path"): continue
            if k in spec["params"]:
                out.append(f"{spec.get('keywords', {}).get(k, k)}={self.seg(v)}")
            elif k == "ds_tfms": aug = self.tfms_text(v, where)
            elif k == "size": item = self.fmt("{F}Resize({s})", s=self.seg(v))
            elif k in S.FACTORY_KWARGS["passed"]: out.append(f"{k}={self.seg(v)}")
            elif k in S.FACTORY_KWARGS["drop"]:
                self.report(v, "WARNING", f"{where}({k}=...) dropped: " + S.FACTORY_KWARGS["drop"][k])
            elif k in S.FACTORY_KWARGS["refuse"]:
                raise _Refused(f"{where}({k}=...): " + S.FACTORY_KWARGS["refuse"][k])
            else: raise _Refused(f"{where}({k}=...): not an argument v1's factory passes on that upgrade knows")
        if item: out.append(f"item_tfms={item}")
        prefix = self.seg(base)[:-len(_last_name(base))]
        if self.keep_v1 and name == "from_folder" and "valid_pct" in args:
            return self.keep_v1_folder(node, args, out, aug, item, norm, prefix)
        handle = {"norm": norm}
        self.report(node, "WARNING", f"{where} -> ImageDataLoaders.{name}: " + _why(spec["change"])
                    + ("; " + _why("behaviour.random_split") if name != "from_folder" or "valid_pct" in args else ""))

        def text():
            bt = self.batch_tfms(aug, handle["norm"])
            return f"{prefix}ImageDataLoaders.{name}(" + ", ".join(out + ([f"batch_tfms={bt}"] if bt else [])) + ")"
        for n in self.pending_names: self.factories[n] = handle
        start, end = self.span(node)
        self.edits.append((start, end, text))

    def keep_v1_folder(self, node, args, out, aug, item, norm, prefix):
        "from_folder(valid_pct=) with v1's split: a DataBlock whose splitter draws v1's numpy permutation."
        split = S.CHAIN["splits"]["split_by_rand_pct"]
        pct, seed = self.seg(args["valid_pct"]), self.seg(args["seed"]) if "seed" in args else None
        path = self.seg(args["path"])
        handle = {"norm": norm}
        kws = [k for k in out[1:] if not k.startswith(("valid_pct=", "seed=", "item_tfms=", "vocab="))]
        if "vocab" in {k.split("=")[0] for k in out}: raise _Refused("from_folder(classes=...) with --keep-v1-semantics")
        blocks = self.fmt(S.CHAIN["blocks"])
        splitter = self.fmt(split["keep_v1"], valid_pct=pct,
                            seed_call=self.fmt("{F}np.random.seed({s}) or ", s=seed) if seed else "")
        self.report(node, "INFO", "keep v1 semantics: ImageDataBunch.from_folder -> DataBlock with v1's split "
                    "(np.random.permutation of the listing): " + _why("behaviour.random_split"))

        def text():
            bt = self.batch_tfms(aug, handle["norm"])
            parts = [f"blocks={blocks}", f"get_items={self.fmt('{F}get_image_files')}", f"splitter={splitter}",
                     f"get_y={self.fmt('{F}parent_label')}"] + ([f"item_tfms={item}"] if item else []) \
                + ([f"batch_tfms={bt}"] if bt else [])
            return f"{self.fmt('{F}DataBlock')}(" + ", ".join(parts) + f").dataloaders({path}, " \
                + ", ".join([f"path={path}"] + kws) + ")"
        for n in self.pending_names: self.factories[n] = handle
        start, end = self.span(node)
        self.edits.append((start, end, text))

    def convert_chain(self, node, base, calls, norm):
        "ImageList.from_* ... split ... label ... transform ... databunch -> DataBlock(...).dataloaders(...)."
        C, names = S.CHAIN, [m for m, _ in calls]
        src_name, src_call = calls[0]
        if src_name not in C["sources"]: raise _Refused(f"ImageList.{src_name}: no DataBlock source to map it to")
        if "databunch" not in names:
            raise _Refused("a data block chain that does not end in .databunch() in the same expression: "
                           "convert it by hand (" + _why("name.ItemList") + ")")
        order = ["source", "split", "label", "transform", "databunch"]
        kinds = []
        for m, _ in calls[1:]:
            k = ("split" if m in C["splits"] else "label" if m in C["labels"] else m if m in ("transform", "databunch")
                 else None)
            if k is None: raise _Refused(f".{m}(...): not a step of v1's chain that upgrade maps to the DataBlock")
            kinds.append(k)
        if kinds != sorted(kinds, key=order.index) or len(set(kinds)) != len(kinds) or "split" not in kinds \
                or "label" not in kinds:
            raise _Refused("the chain is not source -> split_* -> label_* [-> transform] -> databunch, each once")
        spec = C["sources"][src_name]
        a = self.bind(src_call, spec["params"] + C["sources_folder_kw"], f"ImageList.{src_name}")
        bad = set(a) - set(spec["only"]) - set(C["sources_folder_kw"] if spec.get("df") else ())
        if bad: raise _Refused(f"ImageList.{src_name}({', '.join(sorted(bad))}=...): no DataBlock mapping")
        vals = dict(spec.get("defaults", {}), **{k: self.seg(v) for k, v in a.items()})
        folder = f"/{vals['folder']}" if "folder" in vals else ""
        db = {k: self.fmt(t, folder=folder, **vals) for k, t in spec["set"].items()}
        if "suffix" in vals: db["get_x"] = db["get_x"][:-1] + f", suff={vals['suffix']})"
        source = db.pop("source")
        dl_kw, aug, item, multi = [], None, None, False
        for (m, call), k in zip(calls[1:], kinds):
            if k == "split":
                s = C["splits"][m]
                if s.get("df") and not spec.get("df"): raise _Refused(f".{m}(): the items are not a DataFrame")
                v = dict(s.get("defaults", {}), **{p: self.seg(x) for p, x in self.bind(call, s["params"], m).items()})
                if self.keep_v1 and "keep_v1" in s:
                    seed = v["seed"] if v["seed"] != "None" else None
                    db["splitter"] = self.fmt(s["keep_v1"], valid_pct=v["valid_pct"],
                                              seed_call=self.fmt("{F}np.random.seed({s}) or ", s=seed) if seed else "")
                else:
                    db["splitter"] = self.fmt(s["splitter"], **v)
                    if "warn" in s: self.report(call, "WARNING", f".{m}(): " + _why(s["warn"]))
            elif k == "label":
                s = C["labels"][m]
                if s.get("df") and not spec.get("df"): raise _Refused(f".{m}(): the items are not a DataFrame")
                bound = self.bind(call, s["params"], m)
                if set(bound) - set(s["params"]): raise _Refused(f".{m}({', '.join(bound)}=...): no DataBlock mapping")
                v = dict(s.get("defaults", {}), **{p: self.seg(x) for p, x in bound.items()})
                full = v.get("full_path", "False") not in ("False", "None")
                db["get_y"] = self.fmt(s["get_y_full"] if full else s["get_y"], **v)
                multi = v.get("label_delim", "None") != "None"
            elif k == "transform":
                t = self.bind(call, C["transform"]["params"], m)
                if set(t) - {"tfms", "size"}: raise _Refused(f".transform({', '.join(sorted(set(t) - {'tfms', 'size'}))}=...)"
                                                             ": no DataBlock mapping")
                if "tfms" in t: aug = self.tfms_text(t["tfms"], ".transform")
                if "size" in t: item = self.fmt("{F}Resize({s})", s=self.seg(t["size"]))
            else:
                d = self.bind(call, C["databunch"]["params"], m)
                bad = set(d) - set(C["databunch"]["params"]) - {"device"}
                if bad: raise _Refused(f".databunch({', '.join(sorted(bad))}=...): no DataLoaders mapping")
                dl_kw = [f"{p}={self.seg(x)}" for p, x in d.items() if p != "path"]
                if "path" in d: dl_kw.insert(0, f"path={self.seg(d['path'])}")
        if not any(k.startswith("path=") for k in dl_kw):
            p = a.get("path")
            if p is not None: dl_kw.insert(0, f"path={self.seg(p)}")
        bt = self.batch_tfms(aug, norm)
        parts = [f"blocks={self.fmt(C['multi_blocks'] if multi else C['blocks'])}"] + \
            [f"{k}={db[k]}" for k in ("get_items", "get_x", "splitter", "get_y") if k in db] + \
            ([f"item_tfms={item}"] if item else []) + ([f"batch_tfms={bt}"] if bt else [])
        new = f"{self.fmt('{F}DataBlock')}(" + ", ".join(parts) + f").dataloaders({', '.join([source] + dl_kw)})"
        self.replace_node(node, new)
        self.report(node, "WARNING", "ImageList ... .databunch() -> DataBlock(...).dataloaders(...): " + _why("name.ItemList")
                    + "; " + _why("behaviour.shuffle_rng"))


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


def _get_transforms_calls(up, tree):
    "get_transforms(...) bound to a name (`tfms = get_transforms()`): rewritten to aug_transforms where it is."
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and _callee(node.value) == "get_transforms":
            call = node.value
            if not call.args and all(k.arg in S.TFMS_KWARGS for k in call.keywords) and up.rename_callee(call, "aug_transforms"):
                up.report(call, "WARNING", "get_transforms -> aug_transforms (a list of batch_tfms) is not a drop-in: "
                          + _why("name.get_transforms"))
                up.done.add(id(call))
                up.tfms_names.update(t.id for t in node.targets if isinstance(t, ast.Name))


def upgrade_source(source, keep_v1_semantics=False, state=None):
    """Upgrade one piece of Python source: returns (new_source, [Finding]). `state` (a dict) carries what earlier
    cells of a notebook imported (the fastai alias, a star import) and named (learners, data) into the next."""
    if sys.version_info < (3, 8):
        raise RuntimeError("upgrade needs Python 3.8 or later (source positions in ast)")
    masked = _mask_ipython(source)
    try:
        tree = ast.parse(masked)
    except SyntaxError as e:
        return source, [Finding(e.lineno or 1, (e.offset or 0) + 1, "ERROR", f"cannot parse: {e.msg}; left unchanged")]
    up = _Upgrader(masked, keep_v1_semantics)
    if state:
        up.star, up.alias = state["star"], state["alias"]
        up.learners, up.datas, up.tfms_names = dict(state["learners"]), set(state["datas"]), set(state["tfms"])
        up.partial = set(state["partial"])
    _get_transforms_calls(up, tree)
    up.visit(tree)
    if state is not None: state.update(star=up.star, alias=up.alias, learners=up.learners, datas=up.datas, tfms=up.tfms_names,
                                         partial=up.partial)
    new = source
    for start, end, text in sorted(up.edits, key=lambda e: (e[0], e[1]), reverse=True):
        new = new[:start] + (text() if callable(text) else text) + new[end:]
    findings = sorted(set(up.findings))
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
