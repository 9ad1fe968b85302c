"""The docs cannot rot: the generated tables are current, and every python block of the migration guide
runs (in order, in one fresh interpreter) and asserts what it claims."""
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_generated_tables_are_current():
    res = subprocess.run([sys.executable, str(ROOT / "docs" / "make_guide.py"), "--check"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert res.returncode == 0, res.stdout + res.stderr


def _covers_marker():
    "The `<!-- covers: ... -->` pattern of docs/make_guide.py, which links the tables to the sections."
    spec = importlib.util.spec_from_file_location("_ffc_make_guide", ROOT / "docs" / "make_guide.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.COVERS


def _guide_sections():
    "(heading, covered keys, number of python blocks) for each `## ` section of the migration guide."
    text = (ROOT / "docs" / "migration-guide.md").read_text(encoding="utf-8")
    covers, out = _covers_marker(), []
    for part in re.split(r"^(?=## )", text, flags=re.M)[1:]:
        m = covers.match(part)
        heading = m.group(1) if m else part.split("\n", 1)[0][3:]
        out.append((heading, m.group(2).split() if m else [], len(re.findall(r"^```python\n", part, re.M))))
    return out


def test_every_change_has_an_executed_reproducer():
    """The guide's promise: for every entry of the table a section names it (`<!-- covers: KEY -->`) and
    has code that runs (`test_migration_guide_code_blocks_run`)."""
    from fastai_freeze_compat.changes import CHANGES
    keys = [c.key for c in CHANGES]
    covered = {}
    for heading, cover, n_blocks in _guide_sections():
        for key in cover:
            assert key in keys, "section {!r} covers {!r}, which is not in changes.py".format(heading, key)
            assert key not in covered, "{!r} is covered by {!r} and {!r}".format(key, covered[key], heading)
            covered[key] = heading
            assert n_blocks >= 1, "section {!r} covers {} but has no python block".format(heading, key)
    missing = [k for k in keys if k not in covered]
    assert not missing, "table entries without a reproducer in docs/migration-guide.md: {}".format(missing)


@pytest.mark.v2only
def test_migration_guide_code_blocks_run(tmp_path):
    text = (ROOT / "docs" / "migration-guide.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 30
    script = tmp_path / "guide.py"
    script.write_text("\n".join("# --- block {}\n{}".format(i, b) for i, b in enumerate(blocks)), encoding="utf-8")
    # run from the repository root, as the guide says (some blocks read the recorded v1 fixtures)
    res = subprocess.run([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, cwd=str(ROOT))
    assert res.returncode == 0, res.stderr[-3000:]
