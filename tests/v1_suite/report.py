"""How much of fastai v1's own test suite passes through the package, from the two tox runs' JUnit files.

    python tests/v1_suite/report.py [--baseline .tox/junit/v1_suite_baseline.xml]
                                    [--package .tox/junit/v1_suite_fastai_2_8_12.xml] [--markdown FILE]

prints `N of M v1 tests that pass on real fastai 1.0.61 pass through the package` (M: the tests passing on
the baseline; N: those of them passing in package mode) and a table per test file (baseline passed,
package passed). A test file that failed to import counts as passing nothing. `--markdown FILE` also writes
the same as a markdown fragment. Standard library only; exits 0 unless a file is missing or unreadable.
"""
import argparse
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _suite  # noqa: E402

ROOT = _suite.HERE.parent.parent
BASELINE = ROOT / ".tox" / "junit" / "v1_suite_baseline.xml"
PACKAGE = ROOT / ".tox" / "junit" / "v1_suite_fastai_2_8_12.xml"


def outcomes(junit):
    """({nodeid: outcome}, [test files that failed to import])."""
    out, broken = {}, []
    for case in ET.parse(junit).getroot().iter("testcase"):
        nid = _suite.nodeid_from_junit(case)
        if nid is None:
            broken.append(case.get("name", "?"))
            continue
        o = _suite.junit_outcome(case)
        if out.get(nid) == "failed": continue  # a teardown error recorded after the call
        out[nid] = o
    return out, broken


def summarize(baseline_xml, package_xml):
    base, base_broken = outcomes(baseline_xml)
    pkg, pkg_broken = outcomes(package_xml)
    target = sorted(n for n, o in base.items() if o == "passed")
    through = [n for n in target if pkg.get(n) == "passed"]
    files = Counter(n.partition("::")[0] for n in target)
    files_ok = Counter(n.partition("::")[0] for n in through)
    for f in _suite.TEST_FILES: files.setdefault(f, 0)
    rows = [(f, files[f], files_ok.get(f, 0)) for f in sorted(files)]
    pkg_counts = Counter(pkg.values())
    return {"n": len(through), "m": len(target), "rows": rows, "base_counts": Counter(base.values()),
            "pkg_counts": pkg_counts, "base_broken": base_broken, "pkg_broken": pkg_broken,
            "failing": [n for n in target if pkg.get(n) != "passed"]}


def headline(s):
    return f"{s['n']} of {s['m']} v1 tests that pass on real fastai 1.0.61 pass through the package"


def text(s):
    w = max(len(r[0]) for r in s["rows"])
    lines = [headline(s), "", f"{'test file'.ljust(w)}  baseline passed  package passed"]
    for f, b, p in s["rows"]:
        lines.append(f"{f.ljust(w)}  {b:>15}  {p:>14}")
    lines.append(f"{'all'.ljust(w)}  {s['m']:>15}  {s['n']:>14}")
    lines.append("")
    lines.append("baseline run: " + _counts(s["base_counts"]) + "; package run: " + _counts(s["pkg_counts"]))
    if s["base_broken"]: lines.append("baseline files that failed to import: " + ", ".join(s["base_broken"]))
    if s["pkg_broken"]: lines.append("package files that failed to import: " + ", ".join(s["pkg_broken"]))
    return "\n".join(lines)


def _counts(c):
    # `k=N`, not `N passed, N failed`: CI reads that form as a test runner's closing line
    return " ".join(f"{k}={c.get(k, 0)}" for k in ("passed", "xfailed", "skipped", "failed"))


def markdown(s):
    lines = [f"**{headline(s)}** (fastai v1's own tests, from its 1.0.61 sdist; `tox -e v1_suite_baseline,v1_suite_fastai_2_8_12`).",
             "", "| test file | pass on fastai 1.0.61 | of those, pass through the package |", "|---|---:|---:|"]
    for f, b, p in s["rows"]:
        lines.append(f"| `{f}` | {b} | {p} |")
    lines.append(f"| **all** | **{s['m']}** | **{s['n']}** |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--baseline", default=str(BASELINE), help="JUnit XML of tox -e v1_suite_baseline")
    p.add_argument("--package", default=str(PACKAGE), help="JUnit XML of tox -e v1_suite_fastai_2_8_12")
    p.add_argument("--markdown", help="also write a markdown fragment here")
    p.add_argument("--list-failing", action="store_true", help="also list the target tests not passing through the package")
    a = p.parse_args(argv)
    for f in (a.baseline, a.package):
        if not Path(f).exists():
            print(f"v1 suite report: {f} does not exist (run tox -e v1_suite_baseline,v1_suite_fastai_2_8_12)")
            return 1
    try:
        s = summarize(a.baseline, a.package)
    except ET.ParseError as e:
        print(f"v1 suite report: unreadable JUnit file: {e}")
        return 1
    print(text(s))
    if a.list_failing and s["failing"]:
        print("\nnot passing through the package:\n  " + "\n  ".join(s["failing"]))
    if a.markdown:
        Path(a.markdown).write_text(markdown(s), encoding="utf-8")
        print(f"(markdown: {a.markdown})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
