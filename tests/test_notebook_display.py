"""`fastai-freeze-compat run` shows what Jupyter shows: no result for a cell ending in `;`, and the `summary()` table
of the fastai v1 release the notebook was written for (read from its saved outputs).

The layout rule is checked against real v1 output: the reference notebook's saved 1.0.48 tables
(tests/fixtures/summary_seed_000_37f74ceecb9debb7.txt), fastai 1.0.48's and 1.0.61's recorded tables
(tests/fixtures/summary_v1_<version>.json) and the repository's example notebooks, with and without the
reference notebook's saved outputs."""
import json
import sys
from pathlib import Path

import pytest

import fastai_freeze_compat as fv
from fastai_freeze_compat.notebook import detect_summary_layout, ends_with_semicolon, execute_notebook

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
sys.path.insert(0, str(ROOT / "examples"))
from make_notebooks import NOTEBOOKS, notebook  # noqa: E402


def code(source, outputs=()):
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": list(outputs),
            "source": source.splitlines(keepends=True)}


def result(text): return {"output_type": "execute_result", "execution_count": 1, "metadata": {},
                          "data": {"text/plain": text.splitlines(keepends=True)}}


def nb_of(*cells): return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 4}


def recorded_summary(version, case="tiny_reuse_sgd"):
    return json.loads((TESTS / "fixtures" / f"summary_v1_{version}.json").read_text())[case]["summary"]


def seed_table():
    from test_summary import SEED, seed_summaries
    return seed_summaries(SEED.read_text(encoding="utf-8"))[0][1]


# -- `;` ----------------------------------------------------------------------------------------------------
SEMICOLON_CASES = [("1 + 1", "2"), ("1 + 1;", None), ("x = 3; x", "3"), ("x = 3; x;", None),
                   ("x = 2; x  ;  # a comment", None), ("'a;'", "'a;'"), ("[1,\n 2];\n\n", None), ("[1,\n 2]\n# ;", "[1, 2]"),
                   ("x = 1\n!echo shell\nx;", None), ("x = 1\n!echo shell\nx", "1"), ("print('p');", None)]


@pytest.mark.parametrize("source,shown", SEMICOLON_CASES)
def test_a_cell_ending_in_a_semicolon_shows_no_result(source, shown):
    executed, report = execute_notebook(nb_of(code(source)))
    assert report["error"] is None
    outputs = executed["cells"][0]["outputs"]
    results = [o["data"]["text/plain"] for o in outputs if o["output_type"] == "execute_result"]
    assert results == ([] if shown is None else [shown])
    if "print" in source:
        assert [o["text"] for o in outputs if o["output_type"] == "stream"] == ["p\n"]


def test_the_semicolon_rule_is_ipythons():
    try:
        from IPython.core.displayhook import DisplayHook
    except ImportError:
        pytest.skip("IPython is not installed here, so `run` uses its own copy of IPython's token check")
    rule = getattr(DisplayHook, "semicolon_at_end_of_expression", None)
    if rule is None: pytest.skip("this IPython has no DisplayHook.semicolon_at_end_of_expression (IPython < 8.15)")
    for source, shown in SEMICOLON_CASES:
        if "!" in source: continue     # IPython sees the transformed cell there
        assert ends_with_semicolon(source) == bool(rule(source)) == (shown is None), source


def test_the_token_check_ignores_semicolons_in_strings_and_comments():
    assert ends_with_semicolon("a = 1;") and ends_with_semicolon("f(1);   # done\n\n")
    assert not ends_with_semicolon("s = 'x;'") and not ends_with_semicolon("f(1)  # ;")
    assert not ends_with_semicolon("def f(:")      # not Python: no result to hide, the cell's error says why


# -- which summary() layout ---------------------------------------------------------------------------------
def test_a_notebook_without_outputs_gets_1_0_61s_layout():
    for name, line in NOTEBOOKS.items():
        layout, why = detect_summary_layout(notebook(line))
        assert layout == "1.0.61" and "no summary table and no fastai version" in why, name


def test_saved_summary_tables_say_which_release():
    assert detect_summary_layout(nb_of(code("learn.summary()", [result(seed_table())])))[0] == "1.0.48"
    for version in ("1.0.48", "1.0.61"):
        for case in ("tiny_reuse_sgd", "empty_train"):
            saved = nb_of(code("x = 1"), code("learn.summary()", [result(recorded_summary(version, case))]))
            layout, why = detect_summary_layout(saved)
            assert layout == version and "cell 1" in why, (version, case, why)
    # printed with print(learn.summary()): a stream output
    stream = {"output_type": "stream", "name": "stdout", "text": recorded_summary("1.0.48")}
    assert detect_summary_layout(nb_of(code("print(learn.summary())", [stream])))[0] == "1.0.48"
    # fastai 1.0.50-1.0.52: 1.0.61's rows (no batch dimension) without its title and footer
    rows_61 = recorded_summary("1.0.61").split("\n")
    footer = next(i for i, l in enumerate(rows_61) if l.startswith("Optimized with"))
    untitled = "\n".join(rows_61[1:footer])
    layout, why = detect_summary_layout(nb_of(code("learn.summary()", [result(untitled)])))
    assert layout == "1.0.61" and "1.0.50-1.0.52" in why


def test_the_version_a_notebook_shows_says_which_release():
    def shown(v): return nb_of(code("import fastai.vision as fv"), code("fv.__version__", [result(repr(v))]),
                               code("learn.summary()"))
    assert detect_summary_layout(shown("1.0.48"))[0] == "1.0.48"
    assert detect_summary_layout(shown("1.0.49"))[0] == "1.0.48"
    assert detect_summary_layout(shown("1.0.52"))[0] == "1.0.61"
    assert detect_summary_layout(shown("1.0.61"))[0] == "1.0.61"
    # an output that is not a version, or a version of something else, says nothing
    assert detect_summary_layout(nb_of(code("import torch, fastai"), code("torch.__version__", [result("'1.0.1'")])))[0] \
        == "1.0.61"
    assert detect_summary_layout(nb_of(code("import fastai\nfastai.__version__", [result("'1.0.48'")])))[0] == "1.0.48"
    pinned = nb_of(code("!pip install -q fastai==1.0.48 torch==1.0.1"), code("learn.summary()"))
    layout, why = detect_summary_layout(pinned)
    assert layout == "1.0.48" and "installs fastai 1.0.48" in why
    # a saved table outranks the version
    both = nb_of(code("fv.__version__", [result("'1.0.48'")]), code("s", [result(recorded_summary("1.0.61"))]))
    assert detect_summary_layout(both)[0] == "1.0.61"


def test_the_reference_notebook_with_its_saved_outputs_gets_1_0_48s_layout():
    from test_reference_notebook import with_seed_outputs
    for name, line in NOTEBOOKS.items():
        layout, why = detect_summary_layout(with_seed_outputs(notebook(line)))
        assert layout == "1.0.48" and "summary table saved in cell" in why, name


def test_an_unknown_layout_is_refused():
    with pytest.raises(ValueError, match=r"summary_layout must be one of '1.0.48', '1.0.61'.*got '1.0.50'"):
        execute_notebook(nb_of(code("1")), summary_layout="1.0.50")


@pytest.mark.v2only
def test_run_prints_the_notebooks_layout_and_restores_the_default(tmp_path):
    from fastai_freeze_compat._v2.core import defaults
    setup = (f"import sys; sys.path.insert(0, {str(TESTS)!r})\nfrom pathlib import Path\n"
             "import fastai_freeze_compat as fv\nfrom helpers import image_data, make_image_folder\n"
             "from fixtures.summary_models import TinyReuse\n"
             f"learn = fv.Learner(image_data(make_image_folder(Path({str(tmp_path)!r})), size=16, bs=8), TinyReuse())")
    for saved, title in ((recorded_summary("1.0.48"), False), (recorded_summary("1.0.61"), True), (None, True)):
        nb = nb_of(code(setup), code("learn.summary()", [result(saved)] if saved else []))
        executed, report = execute_notebook(nb)
        assert report["error"] is None, report["error"]
        table = executed["cells"][1]["outputs"][0]["data"]["text/plain"]
        assert table.startswith("TinyReuse\n") == title and ("Optimized with" in table) == title
        assert report["summary_layout"]["layout"] == ("1.0.61" if title else "1.0.48")
        assert defaults.summary_layout == "1.0.61"
    executed, report = execute_notebook(nb_of(code(setup), code("learn.summary()")), summary_layout="1.0.48")
    assert executed["cells"][1]["outputs"][0]["data"]["text/plain"].startswith("=" * 70)
    assert report["summary_layout"] == {"layout": "1.0.48", "why": "given"}
