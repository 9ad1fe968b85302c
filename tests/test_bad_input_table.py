"""docs/bad-input.md: at least 15 bad inputs, each with an existing test."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_row_names_an_existing_test():
    rows = [l for l in (ROOT / "docs" / "bad-input.md").read_text(encoding="utf-8").splitlines()
            if re.match(r"^\| \d+ \|", l)]
    assert len(rows) >= 15
    for row in rows:
        node = re.search(r"`(tests/\w+\.py)::(\w+)`", row)
        assert node, row
        text = (ROOT / node.group(1)).read_text(encoding="utf-8")
        assert re.search(r"^def {}\(".format(node.group(2)), text, re.M), row
