"""The docs cannot rot: the generated tables are current, and every python block of the migration guide
runs (in order, in one fresh interpreter) and asserts what it claims."""
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


def test_every_change_is_in_the_guide():
    from fastai_freeze_compat.changes import CHANGES
    guide = (ROOT / "docs" / "migration-guide.md").read_text(encoding="utf-8")
    assert all("`{}`".format(c.key) in guide for c in CHANGES)


@pytest.mark.v2only
def test_migration_guide_code_blocks_run(tmp_path):
    text = (ROOT / "docs" / "migration-guide.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 8
    script = tmp_path / "guide.py"
    script.write_text("\n".join("# --- block {}\n{}".format(i, b) for i, b in enumerate(blocks)), encoding="utf-8")
    res = subprocess.run([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, cwd=str(tmp_path))
    assert res.returncode == 0, res.stderr[-3000:]
