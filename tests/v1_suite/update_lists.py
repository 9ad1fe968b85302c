"""Regenerate an expectation list from a JUnit XML run of the v1 suite.

    python tests/v1_suite/update_lists.py package  [--junit .tox/junit/v1_suite_fastai_2_8_12.xml]
    python tests/v1_suite/update_lists.py baseline [--junit .tox/junit/v1_suite_baseline.xml]

writes tests/v1_suite/package_xfail.txt (or baseline_failures.txt): every test of the run that failed
(a failure or an error, in setup, call or teardown) or xfailed because of that list. A line that stays keeps
its hand-written reason; a new line gets `<ExcType>: <first line of the message>`; a listed test that passed
(a strict XPASS) leaves the list. Tests the run did not report (another subset, a file that failed to import)
keep their lines; files that failed to import are named, since their tests cannot be listed (exit status 1).
v1's own xfails (xfail markers, pytest.xfail()) and skips are never listed. `--dry-run` prints the changes only.
"""
import argparse
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _suite  # noqa: E402

ROOT = _suite.HERE.parent.parent
DEFAULT_JUNIT = {"baseline": ROOT / ".tox" / "junit" / "v1_suite_baseline.xml",
                 "package": ROOT / ".tox" / "junit" / "v1_suite_fastai_2_8_12.xml"}
LIST = {"baseline": _suite.BASELINE_LIST, "package": _suite.PACKAGE_LIST}
EXPECT = {"baseline": "baseline_failure", "package": "package_xfail"}


def _expect(case):
    for prop in case.iter("property"):
        if prop.get("name") == "v1suite_expect": return prop.get("value")
    return None


_EXC = re.compile(r"^((?:[A-Za-z_][\w.]*)?(?:Error|Exception|Exit|Warning|Failed|Interrupt|Iteration)):(\s.*)?$")
_ANSI = re.compile(r"(\x1b|#x1B)\[[0-9;]*m")


def failure_reason(case):
    "`ExcType: first line of the message` of a failed test case."
    el = case.find("failure")
    if el is None: el = case.find("error")
    msg = (el.get("message") or "").strip()
    first = msg.splitlines()[0].strip() if msg else ""
    for prefix in ("failed on setup with ", "failed on teardown with "):
        if first.startswith(prefix): first = first[len(prefix):].strip().strip('"')
    if not _EXC.match(first):
        if first.startswith("assert"): first = f"AssertionError: {first}"
        else:  # the exception's type from the traceback's last `E   Type: ...` line
            for line in reversed((el.text or "").splitlines()):
                m = _EXC.match(line[1:].strip()) if line.startswith("E") else None
                if m: first = line[1:].strip(); break
    first = " ".join(_ANSI.sub("", first).split())
    m = _EXC.match(first)
    if m:  # the bare class name, and the message's first sentence
        msg = (m.group(2) or "").strip()
        cut = msg.find(". ")
        if cut > 0: msg = msg[:cut + 1]
        first = f"{m.group(1).rsplit('.', 1)[-1]}: {msg}".rstrip(": ")
    if len(first) > 160: first = first[:157] + "..."
    return first or "fails (no message)"


def read_run(junit):
    """{nodeid: (outcome, expectation, case)} and the files that failed to import."""
    tests, broken = {}, []
    for case in ET.parse(junit).getroot().iter("testcase"):
        nid = _suite.nodeid_from_junit(case)
        if nid is None:  # a collection error
            broken.append(case.get("name"))
            continue
        out = _suite.junit_outcome(case)
        if nid in tests and out != "failed": continue  # teardown errors come as a second record
        tests[nid] = (out, _expect(case), case)
    return tests, broken


def update(mode, junit, list_path=None, dry_run=False):
    list_path = Path(list_path or LIST[mode])
    old = _suite.read_list(list_path)
    tests, broken = read_run(junit)
    new, added, removed = {}, [], []
    for nid, (out, expect, case) in tests.items():
        listed = nid in old
        if out == "failed":
            el = case.find("failure") if case.find("failure") is not None else case.find("error")
            if listed and "XPASS(strict)" in (el.get("message") or "") + (el.text or ""):
                removed.append(nid); continue
            if mode == "package" and expect == "baseline_failure_skip": continue
            new[nid] = old.get(nid) or failure_reason(case)
            if not listed: added.append(nid)
        elif out == "xfailed" and listed and expect == EXPECT[mode]:
            new[nid] = old[nid]
        elif listed:
            removed.append(nid)
    kept_unrun = {n: r for n, r in old.items() if n not in tests}
    new.update(kept_unrun)
    for nid in added: print(f"+ {nid}  # {new[nid]}")
    for nid in removed: print(f"- {nid}  # {old[nid]}")
    if kept_unrun: print(f"  {len(kept_unrun)} line(s) kept for tests this run did not report")
    print(f"{list_path.name}: {len(new)} lines ({len(added)} added, {len(removed)} removed)")
    if broken:
        print(f"files that failed to import (their tests are not listed): {', '.join(sorted(set(broken)))}",
              file=sys.stderr)
    if not dry_run:
        _suite.write_list(list_path, new, _suite.list_header(list_path) or _default_header(mode))
    return 1 if broken else 0


def _default_header(mode):
    if mode == "baseline":
        return ["# fastai v1's own tests that fail on real fastai 1.0.61 on this stack (torch 2.14.1, NumPy 2,",
                "# pandas 3, no GPU, no network), each with its cause. Strict xfail in `tox -e v1_suite_baseline`",
                "# (the list must stay exact); skipped through the package (not part of the target).",
                "# Regenerate: python tests/v1_suite/update_lists.py baseline"]
    return ["# fastai v1's own tests that pass on real fastai 1.0.61 but fail through fastai_freeze_compat on",
            "# fastai 2.8.12, each with the missing piece. Strict xfail in `tox -e v1_suite_fastai_2_8_12`: a test",
            "# that starts passing must leave the list. Regenerate: python tests/v1_suite/update_lists.py package"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("mode", choices=["baseline", "package"], help="which list: baseline_failures.txt or package_xfail.txt")
    p.add_argument("--junit", help="the run's JUnit XML (default: tox's for that mode, .tox/junit/<env>.xml)")
    p.add_argument("--list", help="the list file to rewrite (default: the mode's in tests/v1_suite/)")
    p.add_argument("--dry-run", action="store_true", help="print the changes, write nothing")
    a = p.parse_args(argv)
    junit = Path(a.junit or DEFAULT_JUNIT[a.mode])
    if not junit.exists(): raise SystemExit(f"update_lists.py: {junit} does not exist (run tox for that mode first)")
    return update(a.mode, junit, a.list, a.dry_run)


if __name__ == "__main__":
    sys.exit(main())
