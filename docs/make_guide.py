"""Regenerate the tables of docs/migration-guide.md from fastai_freeze_compat/changes.py (between the
`<!-- table:... -->` markers, each key linked to the section that reproduces it: the one whose heading is
followed by `<!-- covers: KEY ... -->`) and of the README's support matrix from tox.ini.

    python docs/make_guide.py          # rewrite in place
    python docs/make_guide.py --check  # exit 1 if a file is stale (tests/test_docs.py runs this check)
"""
import configparser
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def _load_changes():
    "changes.py by path: it is pure data, and the package's __init__ would import fastai."
    import importlib.util
    spec = importlib.util.spec_from_file_location("_ffc_changes", ROOT / "fastai_freeze_compat" / "changes.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.CHANGES


CHANGES = _load_changes()

KINDS = [("name", "Renamed or moved names"), ("keyword", "Renamed keywords"), ("default", "Changed defaults"),
         ("behaviour", "Changed behaviour")]


def _cell(text): return (text or "").replace("|", "\\|").replace("\n", " ")


#: a section of the guide names the table entries it reproduces right under its heading
COVERS = re.compile(r"^## (.+)\n+<!-- covers: ([^>]*?) -->", re.M)


def slug(heading):
    "The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def sections(guide):
    "key -> [heading of each section that covers it]."
    found = {}
    for m in COVERS.finditer(guide):
        for key in m.group(2).split():
            found.setdefault(key, []).append(m.group(1))
    return found


def changes_table(kind, guide=""):
    covered = sections(guide)
    rows = ["| | fastai v1 (and the package) | native fastai 2 | what you see if you switch | native code that keeps v1's numbers |",
            "|---|---|---|---|---|"]
    for c in CHANGES:
        if c.kind != kind: continue
        key = f"[`{c.key}`](#{slug(covered[c.key][0])})" if c.key in covered else f"`{c.key}`"
        rows.append(f"| {key} | {_cell(c.v1)} | {_cell(c.v2)} | {_cell(c.what)} | "
                    + (f"`{_cell(c.keep_v1)}`" if c.keep_v1 else "") + " |")
    return "\n".join(rows)


def support_matrix():
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(ROOT / "tox.ini")
    envs = [e.strip() for e in cfg["tox"]["env_list"].split(",")]
    rows = ["| tox env | runs | fastai | torch | torchvision | Python |", "|---|---|---|---|---|---|"]
    for env in envs:
        sec = cfg[f"testenv:{env}"]
        text = sec.get("deps", "") + " " + sec.get("commands_pre", "")
        pins = dict(re.findall(r"\b(fastai|torch|torchvision)==([\w.]+)", text))
        py = "3.7" if "PYTHON37" in sec.get("basepython", "") else cfg["testenv"]["basepython"].replace("python", "")
        runs = ("fastai v1's own tests, real v1 (baseline)" if env == "v1_suite_baseline"
                else "fastai v1's own tests, through the package" if env.startswith("v1_suite")
                else "the pure tools, without fastai or torch" if env == "no_fastai" else "the test suite")
        rows.append(f"| `{env}` | {runs} | {pins.get('fastai', '—')} | {pins.get('torch', '—')} | "
                    f"{pins.get('torchvision', '—')} | {py} |")
    return "\n".join(rows)


def render(text, name, body):
    pattern = re.compile(rf"(<!-- {name} -->\n)(?:.*?\n)?(<!-- /{name} -->)", re.S)
    if not pattern.search(text): raise SystemExit(f"marker <!-- {name} --> missing")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def rendered():
    guide = (ROOT / "docs" / "migration-guide.md").read_text(encoding="utf-8")
    for kind, _ in KINDS:
        guide = render(guide, f"table:{kind}", changes_table(kind, guide))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    readme = render(readme, "support-matrix", support_matrix())
    return {"docs/migration-guide.md": guide, "README.md": readme}


if __name__ == "__main__":
    stale = []
    for rel, text in rendered().items():
        path = ROOT / rel
        if path.read_text(encoding="utf-8") != text:
            stale.append(rel)
            if "--check" not in sys.argv: path.write_text(text, encoding="utf-8")
    if "--check" in sys.argv and stale:
        sys.exit("stale: " + ", ".join(stale) + " (run python docs/make_guide.py)")
    print("up to date" if not stale else "rewrote " + ", ".join(stale))
