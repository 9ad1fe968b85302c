"""Lay out fastai v1's own tests (from the fastai 1.0.61 sdist) in a folder pytest can run.

    python tests/v1_suite/prepare.py --mode baseline --dest DIR   # for real fastai 1.0.61
    python tests/v1_suite/prepare.py --mode package  --dest DIR   # through fastai_freeze_compat on fastai 2

The sdist is fetched at run time (`pip download --no-binary :all: --no-deps fastai==1.0.61`), checked against
its PyPI digest and cached (default ~/.cache/fastai-freeze-compat, or $FFC_CACHE_DIR); nothing of fastai's
is kept in this repository. DIR gets the test files of `_suite.TEST_FILES` and `utils/`, with their import
lines rewritten (line numbers unchanged) by the package's own rewriter (`fastai_freeze_compat._imports`, what
`fastai-freeze-compat run` applies to notebook cells; pure, so the baseline env imports it without the package):

* both modes: `from fastai.gen_doc.doctest import this_tests` -> `_v1suite_stubs` (a no-op `this_tests`);
* package mode: `fastai` / `fastai.X` -> `fastai_freeze_compat` / `fastai_freeze_compat.X` (`import fastai`
  becomes `import fastai_freeze_compat as fastai`, so `fastai.vision.data.X` in code resolves through the
  package), `fastai.utils.mem` -> `_v1suite_mem` (v1's CPU answers: use_gpu False), and fastai.text /
  .tabular / .collab, which the package does not cover, -> `_v1suite_out_of_scope` (binds no names) when the
  package has no such module.

It also writes our conftest.py (v1's options, markers and skips; the expectation lists), pytest.ini and
v1suite.json (the mode, where the lists are, every rewrite made). Run it with
`pytest DIR --rootdir DIR -c DIR/pytest.ini -p no:cacheprovider`.
"""
import argparse
import ast
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _suite  # noqa: E402

sys.path.insert(1, str(Path(__file__).resolve().parents[2]))   # the repository: the package's pure rewriter
from fastai_freeze_compat._imports import rewrite_fastai_imports  # noqa: E402

HERE = _suite.HERE
STUBS = "_v1suite_stubs"
MEM_STUB = "_v1suite_mem"
OUT_OF_SCOPE_STUB = "_v1suite_out_of_scope"
OUT_OF_SCOPE = ("fastai.text", "fastai.tabular", "fastai.collab")
PACKAGE = "fastai_freeze_compat"


# ---------------------------------------------------------------------------------------------- the sdist

def default_cache():
    if os.environ.get("FFC_CACHE_DIR"): return Path(os.environ["FFC_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "fastai-freeze-compat"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""): h.update(chunk)
    return h.hexdigest()


def _pip():
    "A pip command: this interpreter's, else one on PATH."
    if importlib.util.find_spec("pip") is not None: return [sys.executable, "-m", "pip"]
    for name in ("pip3", "pip"):
        exe = shutil.which(name)
        if exe: return [exe]
    raise SystemExit("prepare.py: no pip to download the fastai 1.0.61 sdist with (install pip, or pass --sdist)")


def fetch_sdist(cache, sdist=None):
    "The path of the verified fastai 1.0.61 sdist: --sdist, else the cache, else downloaded into the cache."
    if sdist:
        path = Path(sdist)
    else:
        path = Path(cache) / _suite.SDIST_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
                cmd = _pip() + ["download", "--no-binary", ":all:", "--no-deps", "--no-cache-dir",
                                f"{_suite.SDIST_NAME}=={_suite.SDIST_VERSION}", "-d", tmp]
                print("prepare.py:", " ".join(cmd), flush=True)
                subprocess.run(cmd, check=True)
                got = Path(tmp) / _suite.SDIST_FILE
                if not got.exists(): raise SystemExit(f"prepare.py: pip did not write {got.name}")
                if sha256(got) != _suite.SDIST_SHA256:
                    raise SystemExit(f"prepare.py: downloaded {got.name} has sha256 {sha256(got)}, "
                                     f"not PyPI's {_suite.SDIST_SHA256}")
                os.replace(got, path)
        else:
            print(f"prepare.py: using cached {path}", flush=True)
    digest = sha256(path)
    if digest != _suite.SDIST_SHA256:
        raise SystemExit(f"prepare.py: {path} has sha256 {digest}, not that of PyPI's {_suite.SDIST_FILE} "
                         f"({_suite.SDIST_SHA256}); delete it to download it again")
    return path


def read_members(sdist, names):
    "`{name: text}` of `tests/<name>` in the sdist, read without extracting anything else."
    prefix = f"fastai-{_suite.SDIST_VERSION}/tests/"
    out = {}
    with tarfile.open(sdist, "r:gz") as tar:
        for name in names:
            member = tar.getmember(prefix + name)
            if not member.isfile(): raise SystemExit(f"prepare.py: {member.name} is not a file")
            out[name] = tar.extractfile(member).read().decode("utf-8")
    return out


# ------------------------------------------------------------------------------------- rewriting imports

def module_map(mode, has_module=None):
    """The function `fastai module name -> new module name` (None: leave the import alone) of `mode`."""
    if has_module is None: has_module = _has_module

    def new_name(mod):
        if mod != "fastai" and not mod.startswith("fastai."): return None
        if mod == "fastai.gen_doc.doctest": return STUBS
        if mod.startswith("fastai.gen_doc"):
            raise SystemExit(f"prepare.py: no stub for `{mod}` (only fastai.gen_doc.doctest.this_tests)")
        if mode == "baseline": return None
        if mod == "fastai.utils.mem": return MEM_STUB
        new = PACKAGE + mod[len("fastai"):]
        if any(mod == m or mod.startswith(m + ".") for m in OUT_OF_SCOPE) and not has_module(new):
            return OUT_OF_SCOPE_STUB
        return new
    return new_name


def _has_module(name):
    try: return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError: return False


def rewrite_source(source, new_name, filename="<test>"):
    """`source` with the imports of fastai modules rewritten by `new_name`, every line kept where it was, by
    the package's own rewriter (the one `fastai-freeze-compat run` applies to notebook cells);
    returns (new source, [(line, old text, new text), ...])."""
    try: out = rewrite_fastai_imports(source, new_name)
    except ValueError as e: raise SystemExit(f"prepare.py: {filename}: {e}")
    ast.parse(out, filename)
    old_lines, new_lines = source.splitlines(), out.splitlines()
    if len(old_lines) != len(new_lines): raise SystemExit(f"prepare.py: {filename}: line count changed")
    return out, [(i + 1, a, b) for i, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b]


# ------------------------------------------------------------------------------------------- the folder

STUBS_SRC = '''"""Written by fastai-freeze-compat's tests/v1_suite/prepare.py: stands in for fastai.gen_doc.doctest."""
__all__ = ["this_tests"]


def this_tests(*funcs):
    "fastai v1's test-registry call (it recorded which API a test covers, for the docs): a no-op here."
'''

MEM_SRC = '''"""Written by fastai-freeze-compat's tests/v1_suite/prepare.py (package mode): stands in for
fastai.utils.mem, v1's GPU-memory helpers, which only v1's GPU tests use (the `cuda`-marked ones, skipped
without a GPU). On CPU it answers as v1 did: use_gpu False, GPU memory (0, 0, 0)."""
import functools, gc, re, threading, time
from collections import namedtuple

import torch

use_gpu = torch.cuda.is_available()
GPUMemory = namedtuple("GPUMemory", ["total", "free", "used"])


def preload_pytorch(): torch.ones((1, 1)).cuda()


def b2mb(num): return int(num / 2**20)


def gpu_mem_get(id=None):
    if not use_gpu: return GPUMemory(0, 0, 0)
    if id is None: id = torch.cuda.current_device()
    free, total = torch.cuda.mem_get_info(id)
    return GPUMemory(b2mb(total), b2mb(free), b2mb(total - free))


def gpu_mem_get_all():
    if not use_gpu: return []
    return [gpu_mem_get(i) for i in range(torch.cuda.device_count())]


def gpu_mem_get_free(): return gpu_mem_get().free


def gpu_mem_get_free_no_cache():
    if use_gpu: torch.cuda.empty_cache()
    return gpu_mem_get().free


def gpu_mem_get_used(): return gpu_mem_get().used


def gpu_mem_get_used_no_cache():
    if use_gpu: torch.cuda.empty_cache()
    return gpu_mem_get().used


def gpu_with_max_free_mem():
    mem_all = gpu_mem_get_all()
    if not mem_all: return None, 0
    i = max(range(len(mem_all)), key=lambda k: mem_all[k].free)
    return i, mem_all[i].free


class GPUMemTrace():
    "v1's GPU memory tracer needs CUDA, as v1's did."
    def __init__(self, silent=False, ctx=None, on_exit_report=True):
        assert torch.cuda.is_available(), "pytorch CUDA is required"
        raise NotImplementedError("GPUMemTrace: only fastai v1's GPU tests use it")


def gpu_mem_trace(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs): return func(*args, **kwargs)
    return wrapper
'''

OUT_OF_SCOPE_SRC = '''"""Written by fastai-freeze-compat's tests/v1_suite/prepare.py (package mode): stands in for the fastai v1
modules the package does not cover ({mods}). A star import binds no name, so only the tests that use their
names fail (NameError); a named import fails at import."""
__all__ = []


def __getattr__(name):
    raise AttributeError(f"{{name}}: fastai v1's {mods} are outside fastai_freeze_compat's scope")
'''

PYTEST_INI = """[pytest]
# written by fastai-freeze-compat's tests/v1_suite/prepare.py; run:
#   pytest DIR --rootdir DIR -c DIR/pytest.ini -p no:cacheprovider
addopts = --strict-markers --strict-config -rfEX -p no:cacheprovider --continue-on-collection-errors
xfail_strict = true
python_files = test_*.py
norecursedirs = data utils __pycache__
faulthandler_timeout = 900
junit_family = xunit2
# fastai v1's markers (its setup.cfg), and `cpp`, which v1's conftest skips without --runcpp
markers =
    slow: mark a test as a slow-running (best done with a GPU, not run by default or in CI).
    integration: faster than slow, but not too fast
    cuda: mark tests as requiring a CUDA device to run (skipped if no such device is present).
    cpp: tests of the cpp extension (skipped without --runcpp)
# fastai v1's own filters (setup.cfg)
filterwarnings =
    ignore::DeprecationWarning
    ignore::PendingDeprecationWarning
"""


def prepare(mode, dest, cache=None, sdist=None, lists_dir=None, has_module=None):
    dest = Path(dest).resolve()
    if dest.exists():
        if any(dest.iterdir()) and not (dest / "v1suite.json").exists():
            raise SystemExit(f"prepare.py: {dest} is not empty and was not written by prepare.py; not touching it")
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    tarball = fetch_sdist(cache or default_cache(), sdist)
    texts = read_members(tarball, _suite.TEST_FILES + _suite.UTILS_FILES)
    new_name = module_map(mode, has_module)
    rewrites = {}
    for name, text in texts.items():
        out, log = rewrite_source(text, new_name, name)
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(out, encoding="utf-8")
        if log: rewrites[name] = log
    # a regular package, so that no `utils` installed elsewhere shadows v1's test helpers
    (dest / "utils" / "__init__.py").write_text("")
    (dest / f"{STUBS}.py").write_text(STUBS_SRC)
    if mode == "package":
        (dest / f"{MEM_STUB}.py").write_text(MEM_SRC)
        (dest / f"{OUT_OF_SCOPE_STUB}.py").write_text(OUT_OF_SCOPE_SRC.format(mods=", ".join(OUT_OF_SCOPE)))
    shutil.copyfile(HERE / "_suite.py", dest / "_v1suite_common.py")
    shutil.copyfile(HERE / "suite_conftest.py", dest / "conftest.py")
    (dest / "pytest.ini").write_text(PYTEST_INI)
    lists_dir = Path(lists_dir).resolve() if lists_dir else HERE
    manifest = {"mode": mode, "lists_dir": str(lists_dir), "sdist": str(tarball), "sdist_sha256": _suite.SDIST_SHA256,
                "files": _suite.TEST_FILES, "rewrites": rewrites}
    (dest / "v1suite.json").write_text(json.dumps(manifest, indent=1) + "\n")
    n = sum(len(v) for v in rewrites.values())
    print(f"prepare.py: {mode} mode: {len(_suite.TEST_FILES)} test files + utils/ in {dest}, {n} import lines rewritten")
    for name, log in sorted(rewrites.items()):
        for line, old, new in log:
            print(f"  {name}:{line}: {old.strip()}  ->  {new.strip()}")
    return dest


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=["baseline", "package"], required=True,
                   help="baseline: real fastai 1.0.61, imports untouched; package: fastai imports -> fastai_freeze_compat")
    p.add_argument("--dest", required=True, help="the folder to write (emptied first if prepare.py wrote it)")
    p.add_argument("--cache", help="where the sdist is cached (default $FFC_CACHE_DIR or ~/.cache/fastai-freeze-compat)")
    p.add_argument("--sdist", help="use this fastai-1.0.61.tar.gz instead of the cache or a download")
    p.add_argument("--lists-dir", help="the folder of baseline_failures.txt / package_xfail.txt (default: this one)")
    a = p.parse_args(argv)
    prepare(a.mode, a.dest, a.cache, a.sdist, a.lists_dir)


if __name__ == "__main__":
    main()
