"""Print one closing line, `N passed, N failed, N skipped`, over every tox environment's JUnit file.

Six files are expected: the four stacks' test runs and fastai v1's own suite on the baseline and through the
package (v1_suite_baseline, v1_suite_fastai_2_8_12); fewer means an environment wrote none (exit status 1).
"""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

folder = Path(sys.argv[1])
files = sorted(folder.glob("*.xml"))
passed = failed = skipped = 0
for f in files:
    for suite in ET.parse(f).getroot().iter("testsuite"):
        tests, fail = int(suite.get("tests", 0)), int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skip = int(suite.get("skipped", 0))
        passed, failed, skipped = passed + tests - fail - skip, failed + fail, skipped + skip
        print(f"  {f.stem}: {tests - fail - skip} passed, {fail} failed, {skip} skipped")
EXPECTED = 7   # one per tox env of env_list
if len(files) < EXPECTED:
    print(f"  expected {EXPECTED} JUnit files in {folder}, found {len(files)}")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or len(files) < EXPECTED else 0)
