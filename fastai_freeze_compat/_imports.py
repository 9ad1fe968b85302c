"""Point a piece of code's ``fastai`` imports at ``fastai_freeze_compat``: the one mechanical substitution
that ports a v1 notebook (``run`` applies it to every cell; fastai v1's own test suite runs through it).

Every ``import fastai...`` and ``from fastai... import ...`` statement, at any depth, is rewritten with the
same names bound: ``import fastai.vision as fv`` -> ``import fastai_freeze_compat.vision as fv``, ``from
fastai.callbacks.hooks import *`` -> ``from fastai_freeze_compat.callbacks.hooks import *``, ``import fastai``
-> ``import fastai_freeze_compat as fastai``, ``import fastai.vision`` -> ``import fastai_freeze_compat.vision;
import fastai_freeze_compat as fastai``. Statements are found with :mod:`tokenize` and read with :mod:`ast`
(Python 3.7's ``ast`` has no end positions), so strings and comments are left alone, and each statement keeps
its lines (line numbers in tracebacks stay the notebook's). Pure: imports nothing outside the standard library.
"""
import ast
import io
import tokenize

__all__ = ["PACKAGE", "package_module", "rewrite_fastai_imports"]

PACKAGE = "fastai_freeze_compat"


def _is_fastai(name): return name == "fastai" or name.startswith("fastai.")


def package_module(name):
    "The package's module for fastai's `name` (``fastai.vision`` -> ``fastai_freeze_compat.vision``); None if not fastai's."
    return PACKAGE + name[len("fastai"):] if _is_fastai(name) else None


def _alias(a):
    return a.name if a.asname is None else "{} as {}".format(a.name, a.asname)


def _replacement(node, new_name):
    "The statements that bind what `node` bound, with modules renamed by `new_name`; None if none is renamed."
    if isinstance(node, ast.ImportFrom):
        new = None if node.level or not node.module else new_name(node.module)
        if new is None or new == node.module: return None
        return ["from {} import {}".format(new, ", ".join(_alias(a) for a in node.names))]
    if not isinstance(node, ast.Import): return None
    out, changed = [], False
    for a in node.names:
        new = new_name(a.name)
        if new is None or new == a.name: out.append("import " + _alias(a))
        elif a.asname: out.append("import {} as {}".format(new, a.asname))
        elif "." not in a.name: out.append("import {} as {}".format(new, a.name))
        else:   # `import fastai.X` binds `fastai`: import the new module, bind `fastai` to the new root
            root = a.name.split(".")[0]
            new_root = new_name(root)
            if not new_root or not new.startswith(new_root + "."):
                raise ValueError("cannot rewrite `import {}` to `{}`: `{}` would not reach it".format(a.name, new, root))
            out += ["import " + new, "import {} as {}".format(new_root, root)]
        changed = changed or (new is not None and new != a.name)
    return out if changed else None


_STARTS = (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)


def _import_statements(source):
    "(start, end) positions (1-based line, 0-based column) of each import statement in `source`."
    res, depth, prev, start = [], 0, None, None
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.COMMENT,): continue
        if start is not None and depth == 0 and (tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER)
                                                 or (tok.type == tokenize.OP and tok.string == ";")):
            res.append((start, prev.end))     # up to the statement's last token: a comment after it stays
            start = None
        if tok.type == tokenize.OP and tok.string in "([{": depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}": depth = max(depth - 1, 0)
        at_start = prev is None or prev.type in _STARTS or (prev.type == tokenize.OP and prev.string in (";", ":"))
        if (start is None and depth == 0 and at_start and tok.type == tokenize.NAME
                and tok.string in ("import", "from")):
            start = tok.start
        if tok.type != tokenize.NL: prev = tok
    return res


def rewrite_fastai_imports(source, new_name=package_module):
    """`source` with every fastai import pointed at fastai_freeze_compat (or, with `new_name`, each imported module
    `m` at `new_name(m)`, None leaving it alone); unchanged if it does not tokenize."""
    try: spans = _import_statements(source)
    except (tokenize.TokenError, IndentationError, SyntaxError): return source
    lines = source.splitlines(keepends=True) or [""]
    for (l0, c0), (l1, c1) in reversed(spans):
        seg = "".join(lines[l0 - 1:l1])
        seg = seg[c0:len(seg) - len(lines[l1 - 1]) + c1]
        try: node = ast.parse(seg.strip()).body[0]
        except (SyntaxError, IndexError): continue
        new = _replacement(node, new_name)
        if new is None: continue
        head, tail = lines[l0 - 1][:c0], lines[l1 - 1][c1:]
        lines[l0 - 1:l1] = [head + "; ".join(new) + "\n" * (l1 - l0) + tail]
    return "".join(lines)
