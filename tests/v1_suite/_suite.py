"""What the v1-suite scripts share: the sdist, the 18 test files, the expectation lists' format.

Standard library only: prepare.py, make_data.py, update_lists.py and report.py run on any Python >= 3.8
(report.py also outside tox, from .ci/run), and the conftest that prepare.py writes imports nothing from here.
"""
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent

SDIST_NAME = "fastai"
SDIST_VERSION = "1.0.61"
SDIST_FILE = f"fastai-{SDIST_VERSION}.tar.gz"
# PyPI's sdist of fastai 1.0.61 (files on PyPI never change): a tarball with another digest is refused
SDIST_SHA256 = "798b7602849cd6ed8791e6871dd4d15f72bf69ae9de7987e730bb65e7a2f938b"

# fastai v1's own test files that run here (the vision / training / data-block part of v1's suite)
TEST_FILES = [
    "test_basic_data.py", "test_basic_train.py", "test_callback.py", "test_callbacks_csv_logger.py",
    "test_callbacks_hooks.py", "test_callbacks_misc.py", "test_core.py", "test_data_block.py", "test_fp16.py",
    "test_layers.py", "test_metrics.py", "test_torch_core.py", "test_train.py", "test_vision_data.py",
    "test_vision_image.py", "test_vision_learner.py", "test_vision_models_unet.py", "test_vision_train.py",
    "test_vision_transform.py",
]
# v1's test helpers, imported by the files above as `utils.fakes`, `utils.mem`, `utils.text`
UTILS_FILES = ["utils/fakes.py", "utils/mem.py", "utils/text.py"]

BASELINE_LIST = HERE / "baseline_failures.txt"
PACKAGE_LIST = HERE / "package_xfail.txt"

_LINE = re.compile(r"^(?P<nodeid>\S+\.py::\S.*?)\s+#\s*(?P<reason>\S.*)$")


def read_list(path):
    """`{nodeid: reason}` from an expectation list: one `test_file.py::test_name  # reason` a line;
    blank lines and lines starting with `#` are comments. A line without a reason is an error."""
    entries = {}
    path = Path(path)
    if not path.exists(): return entries
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"): continue
        m = _LINE.match(line)
        if not m:
            raise ValueError(f"{path}:{n}: expected `test_file.py::test_name  # reason`, got {raw!r}")
        nodeid = m.group("nodeid").strip()
        if nodeid in entries: raise ValueError(f"{path}:{n}: {nodeid} is listed twice")
        entries[nodeid] = m.group("reason").strip()
    return entries


def list_header(path):
    "The leading comment block of a list (kept when update_lists.py rewrites it)."
    path = Path(path)
    if not path.exists(): return []
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith("#") or not raw.strip(): out.append(raw)
        else: break
    while out and not out[-1].strip(): out.pop()
    return out


def write_list(path, entries, header=()):
    "Write `{nodeid: reason}`, sorted by node id, reasons aligned."
    width = max((len(k) for k in entries), default=0)
    lines = list(header) + ([""] if header else [])
    lines += [f"{k.ljust(width)}  # {entries[k]}" for k in sorted(entries, key=_sort_key)]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _sort_key(nodeid):
    f, _, rest = nodeid.partition("::")
    return (f, rest)


def nodeid_from_junit(case):
    """A JUnit <testcase>'s pytest node id relative to the suite folder: the `v1suite_nodeid` property the
    suite's conftest records, else rebuilt from classname (`test_core` or `test_core.TestX`) and name."""
    for prop in case.iter("property"):
        if prop.get("name") == "v1suite_nodeid": return prop.get("value")
    classname, name = case.get("classname", ""), case.get("name", "")
    if not classname: return None  # a collection error: no test
    mod, _, cls = classname.partition(".")
    return "::".join([f"{mod.replace('.', '/')}.py"] + ([c for c in cls.split(".")] if cls else []) + [name])


def junit_outcome(case):
    """`passed`, `failed` (failure or error, including a strict XPASS), `xfailed` or `skipped`."""
    if case.find("failure") is not None or case.find("error") is not None: return "failed"
    sk = case.find("skipped")
    if sk is not None: return "xfailed" if sk.get("type") == "pytest.xfail" else "skipped"
    return "passed"
