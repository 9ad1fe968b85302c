"""The pure tools (the table of changes, ``upgrade``, the CLI's ``--help``, the import rewriter) import without
fastai or torch, and asking for a v1 name without fastai says what to install (array-api-compat's
no-dependency test). In the ``no_fastai`` tox env neither is installed; elsewhere the subprocesses block
their imports."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

BLOCK_FASTAI = ("import sys\n"
                "for m in ('fastai', 'fastcore', 'torch', 'torchvision'): sys.modules[m] = None\n")


def test_tools_import_without_fastai_or_torch():
    "changes, upgrade and the CLI's --help run where fastai and torch cannot be imported (array-api-compat's test)."
    code = BLOCK_FASTAI + (
        "import fastai_freeze_compat, fastai_freeze_compat.changes, fastai_freeze_compat.upgrade, "
        "fastai_freeze_compat.names, fastai_freeze_compat._imports\n"
        "from fastai_freeze_compat.cli import main\n"
        "try: main(['upgrade', '--help'])\n"
        "except SystemExit as e: assert e.code == 0\n"
        "assert not [k for k, v in sys.modules.items() if v is not None and k.split('.')[0] in "
        "('fastai', 'torch', 'numpy')]\n"
        "print('ok')\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0 and res.stdout.strip().endswith("ok"), res.stdout + res.stderr
    assert "usage: fastai-freeze-compat upgrade" in res.stdout


def test_asking_for_a_v1_name_without_fastai_says_so():
    code = BLOCK_FASTAI + "import fastai_freeze_compat as fv\nfv.cnn_learner\n"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode != 0 and "fastai_freeze_compat needs fastai" in res.stderr, res.stderr


@pytest.mark.skipif(sys.version_info < (3, 8), reason="upgrade reads source positions from ast, which Python 3.7's "
                                                      "lacks (it says so and exits 2 there)")
def test_upgrade_runs_without_fastai(tmp_path):
    "`upgrade` rewrites a v1 notebook with only the package installed."
    src = ROOT / "examples" / "seedlings_v1.ipynb"
    out = tmp_path / "up.ipynb"
    code = BLOCK_FASTAI + f"from fastai_freeze_compat.cli import main\nsys.exit(main(['upgrade', {str(src)!r}, '-o', {str(out)!r}]))\n"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode in (0, 1), res.stdout + res.stderr
    assert out.is_file() and "findings" in res.stdout


def test_import_rewriter_maps_every_fastai_import():
    from fastai_freeze_compat._imports import rewrite_fastai_imports as rewrite
    src = ("import pytest, fastai\nimport fastai.vision as fv\nfrom fastai.callbacks.hooks import (Hook,\n"
           "    hook_output)  # hooks\nimport fastai.vision\nx = 'import fastai'  # from fastai import x\n"
           "if x: from fastai.basics import *; y = 1\nfrom . import fastai\nraise X from fastai\n")
    assert rewrite(src) == (
        "import pytest; import fastai_freeze_compat as fastai\nimport fastai_freeze_compat.vision as fv\n"
        "from fastai_freeze_compat.callbacks.hooks import Hook, hook_output\n  # hooks\n"
        "import fastai_freeze_compat.vision; import fastai_freeze_compat as fastai\n"
        "x = 'import fastai'  # from fastai import x\nif x: from fastai_freeze_compat.basics import *; y = 1\n"
        "from . import fastai\nraise X from fastai\n")
    assert rewrite("import fastai.vision as fv\nx = (\n") == "import fastai.vision as fv\nx = (\n"   # does not tokenize
