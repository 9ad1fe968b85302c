"""conftest.py for fastai v1's own tests, written into the suite folder by fastai-freeze-compat's
tests/v1_suite/prepare.py. It replaces the sdist's tests/conftest.py (which imported fastai.gen_doc's test
registry, and so needed nbformat) and does what that one did, with v1's words:

* `slow` tests are skipped without --runslow ("need --runslow option to run"), `cpp` ones without --runcpp,
  `integration` ones with --skipint, `cuda` ones when torch sees no GPU ("CUDA is not available").

Two things are added, for runs whose outcome does not depend on chance or on test order:

* before each test (its fixtures included) Python's, NumPy's and torch's generators are seeded from the
  test's node id (pytest_runtest_setup);
* after each test, the test module's `defaults` gets back every attribute the test rebound
  (_v1suite_restore_defaults).

And it applies the expectation lists (tests/v1_suite/*.txt, `test_file.py::test_name  # reason`):

* baseline_failures.txt, tests that fail on real fastai 1.0.61 on this stack: strict xfail in baseline mode
  (so the list stays exact), skipped in package mode (not part of the target);
* package_xfail.txt, tests that pass on the baseline but not through the package: strict xfail in package
  mode, so a test that starts passing must leave the list.

On a run of the whole folder, a list line naming no collected test (in a file that imported) or a test that
v1's conftest skips is an error. Every test's JUnit record carries its node id and its expectation
(`v1suite_nodeid`, `v1suite_expect`) for update_lists.py and report.py.
"""
import json
import random
import sys
import zlib
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
MANIFEST = json.loads((HERE / "v1suite.json").read_text())
MODE = MANIFEST["mode"]

import _v1suite_common as common  # noqa: E402  (tests/v1_suite/_suite.py, copied by prepare.py)
from utils.mem import use_gpu  # noqa: E402  (as v1's conftest did)


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run slow tests")
    parser.addoption("--runcpp", action="store_true", default=False, help="run tests cpp extension tests")
    parser.addoption("--skipint", action="store_true", default=False, help="skip integration tests")


def pytest_report_header(config):
    return (f"fastai v1's tests (fastai {common.SDIST_VERSION} sdist), {MODE} mode; expectation lists in "
            f"{MANIFEST['lists_dir']}")


def _v1_skips(config):
    "fastai v1's conftest: (keyword, skip mark) pairs."
    out = []
    if not config.getoption("--runslow"): out.append(("slow", pytest.mark.skip(reason="need --runslow option to run")))
    if not config.getoption("--runcpp"): out.append(("cpp", pytest.mark.skip(reason="need --runcpp option to run")))
    if config.getoption("--skipint"):
        out.append(("integration", pytest.mark.skip(reason="--skipint used to skip integration test")))
    if not use_gpu: out.append(("cuda", pytest.mark.skip(reason="CUDA is not available")))
    return out


def _nodeid(item):
    "The node id relative to the suite folder, whatever the rootdir."
    rel = Path(str(item.path)).resolve().relative_to(HERE).as_posix()
    _, sep, rest = item.nodeid.partition("::")
    return rel + sep + rest


def _whole_folder_run(config):
    args = [a for a in config.args if not a.startswith("-")]
    return (all(Path(a.split("::")[0]).resolve() == HERE for a in args)
            and not config.option.keyword and not config.option.markexpr
            and not getattr(config.option, "deselect", None))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Determinism, added to v1's conftest: v1's tests draw random augmentations, boxes and data unseeded
    (test_vision_transform's get_transforms() warps with p=0.75, and fastai 1.0.61's warp calls the removed
    torch.solve), so an unseeded run passes or fails them by chance. Before each test's setup (its fixtures
    included) Python's, NumPy's and torch's generators are seeded from the test's node id: the same test
    gets the same draws in every run, in both modes, whichever tests ran before it."""
    seed = zlib.crc32(_nodeid(item).encode("utf-8"))
    random.seed(seed)
    np = sys.modules.get("numpy")
    if np is not None: np.random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None: torch.manual_seed(seed)


@pytest.fixture(autouse=True)
def _v1suite_restore_defaults(request):
    """Test isolation, the one thing added to v1's conftest: v1's test_stop_after_n_batches sets
    `defaults.extra_callbacks = [StopAfterNBatches(2)]` and puts it back only when it passes; failing, it
    would stop every later fit of the session after 2 batches. After each test, every attribute of the
    test module's `defaults` that the test rebound gets its old value back (new attributes stay)."""
    d = getattr(request.module, "defaults", None)
    saved = dict(vars(d)) if d is not None and hasattr(d, "__dict__") else None
    yield
    if saved is not None:
        now = vars(d)
        for k, v in saved.items():
            if k not in now or now[k] is not v: setattr(d, k, v)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    lists_dir = Path(MANIFEST["lists_dir"])
    baseline = common.read_list(lists_dir / common.BASELINE_LIST.name)
    package = common.read_list(lists_dir / common.PACKAGE_LIST.name)
    both = sorted(set(baseline) & set(package))
    if both: raise pytest.UsageError(f"listed in both {common.BASELINE_LIST.name} and {common.PACKAGE_LIST.name}: {both}")

    skips = _v1_skips(config)
    seen, v1_skipped = set(), set()
    for item in items:
        nid = _nodeid(item)
        seen.add(nid)
        for keyword, mark in skips:
            if keyword in item.keywords:
                item.add_marker(mark)
                v1_skipped.add(nid)
        expect = "none"
        if nid in baseline:
            reason = baseline[nid]
            if MODE == "baseline":
                expect = "baseline_failure"
                item.add_marker(pytest.mark.xfail(strict=True, reason=f"fails on real fastai 1.0.61 on this stack: {reason}"))
            else:
                expect = "baseline_failure_skip"
                item.add_marker(pytest.mark.skip(reason=f"fails on real fastai 1.0.61 on this stack too: {reason}"))
        elif nid in package and MODE == "package":
            expect = "package_xfail"
            item.add_marker(pytest.mark.xfail(strict=True, reason=package[nid]))
        item.user_properties.append(("v1suite_nodeid", nid))
        item.user_properties.append(("v1suite_expect", expect))

    if _whole_folder_run(config):
        relevant = dict(baseline, **(package if MODE == "package" else {}))
        # a file that failed to import has no items: its lines are not checked (the run fails anyway)
        files = {n.partition("::")[0] for n in seen}
        unknown = sorted(n for n in relevant if n not in seen and (n.partition("::")[0] in files or
                                                                   n.partition("::")[0] not in common.TEST_FILES))
        if unknown:
            raise pytest.UsageError("expectation list lines naming no collected test (remove them, or run "
                                    "update_lists.py): " + ", ".join(unknown))
        skipped = sorted(n for n in relevant if n in v1_skipped)
        if skipped:
            raise pytest.UsageError("expectation list lines naming tests v1's conftest skips (slow/cuda/cpp): "
                                    + ", ".join(skipped))
