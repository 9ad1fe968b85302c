"""The README is true on a clean clone (issue 13): every command its ```bash blocks show is run here (the slow ones
cheaply: on tiny generated data, or their arguments through the CLI's own parser), its links point at files of
this repository, and it installs nothing from the registry that is not there."""
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
sys.path.insert(0, str(ROOT / "tests"))


def readme_commands():
    "Each command of the README's bash blocks, continuation lines joined, comments dropped, `&&` chains split."
    cmds = []
    for block in re.findall(r"```bash\n(.*?)```", README, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line: cmds += [c.strip() for c in line.split("&&")]
    return cmds


CLI = ("fastai-freeze-compat ", "python -m fastai_freeze_compat ")
LAUNCH = "python -m fastai_freeze_compat.launch "
#: other tools' launchers the README shows for several GPUs: not installed here (accelerate) or needing a script
#: of the user's; tests/test_distributed.py runs the package's own launcher on two CPU processes
OTHER_LAUNCHERS = ("torchrun ", "accelerate launch ")


def _cli_args(cmd):
    prefix = next(p for p in CLI if cmd.startswith(p))
    return shlex.split(cmd[len(prefix):])


def test_every_readme_command_is_known_here():
    # a new command in the README must be added to one of these, and so be run by a test below
    setup = {"python3 -m venv .venv", ". .venv/bin/activate",
             "pip install torch==2.14.1 torchvision==0.29.1 fastai==2.8.12 .",
             'pip install "tox>=4" "tox-uv>=1"', "FFC_PYTHON37=$(pyenv root)/versions/3.7.16/bin/python3.7 tox",
             "mkdir -p /tmp/kaggle/working"}
    for cmd in readme_commands():
        assert (cmd in setup or cmd.startswith(CLI + (LAUNCH,) + OTHER_LAUNCHERS)
                or cmd.startswith("python examples/")), cmd


def test_readme_launch_commands_parse_with_the_launchers_own_parser():
    from fastai_freeze_compat.launch import _parse, parse_gpus
    cmds = [c for c in readme_commands() if c.startswith(LAUNCH)]
    assert len(cmds) >= 2
    for cmd in cmds:
        gpus, script, args = _parse(shlex.split(cmd[len(LAUNCH):]))
        assert script == "script.py" and args == []
        assert parse_gpus(gpus, device_count=2) == ["0", "1"], cmd


def test_readme_installs_only_what_exists():
    installs = [shlex.split(c)[2:] for c in readme_commands() if c.startswith("pip install")]
    assert installs
    for pkgs in installs:
        for p in pkgs:
            name = re.split(r"[=<>]", p)[0]
            # `.` is this clone; the others are registry packages the tox envs install too
            assert p == "." or name in {"torch", "torchvision", "fastai", "tox", "tox-uv"}, p
    assert "pip install fastai-freeze-compat" not in README and "pip install fastai_freeze_compat" not in README


def test_readme_links_and_paths_are_in_the_repository():
    assert "../" not in README and "shared/seed" not in README
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith("http"): assert (ROOT / target).exists(), target
    for path in re.findall(r"`((?:tests|docs|examples|fastai_freeze_compat)/[\w./-]+\.\w+)`", README):
        assert (ROOT / path).exists(), path


def test_readme_timings_name_the_machine():
    for m in re.finditer(r"(under a minute|about \d+ minutes|\d+ ?s\b|seconds)", README):
        around = README[max(0, m.start() - 300):m.end() + 300]
        assert re.search(r"CPU|GPU|cores", around), m.group(0)


def test_every_cli_command_parses_with_the_clis_own_parser():
    from fastai_freeze_compat.cli import _parser
    cmds = [c for c in readme_commands() if c.startswith(CLI)]
    assert len(cmds) >= 6
    for cmd in cmds:
        args = _parser().parse_args(_cli_args(cmd))
        assert args.func, cmd


def _python(args, cwd):
    res = subprocess.run([sys.executable] + args, cwd=str(cwd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=900)
    assert res.returncode == 0, f"{args}:\n{res.stdout[-3000:]}"
    return res.stdout


V1_SCRIPT = "import fastai.vision as fv\nfrom fastai.metrics import error_rate\nlearn = fv.cnn_learner(data, fv.models.resnet18)\n"


def test_readme_tool_commands_run(tmp_path):
    "`upgrade` and `run` exactly as shown, on tiny files named as the README names them; `demo` / `check` by --help."
    (tmp_path / "train.py").write_text(V1_SCRIPT)
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                     "source": "import os\nsorted(os.listdir('/kaggle/input'))"}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    (tmp_path / "notebook.ipynb").write_text(json.dumps(nb))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.png").write_bytes(b"")
    ran = 0
    for cmd in readme_commands():
        if not cmd.startswith(CLI): continue
        args = _cli_args(cmd)
        if args[0] == "upgrade" and sys.version_info < (3, 8):
            # upgrade reads source positions from ast (Python 3.8); on the seed's Python 3.7 it says so
            res = subprocess.run([sys.executable, "-m", "fastai_freeze_compat"] + args, cwd=str(tmp_path),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
            assert res.returncode == 2 and "upgrade needs Python 3.8 or later" in res.stdout
            ran += 1
            continue
        if args[0] in ("upgrade", "run") and not args[1].startswith("examples/"):
            out = _python(["-m", "fastai_freeze_compat"] + args, tmp_path)
            ran += 1
            if args[0] == "run": assert "1 of 1 code cells ran" in out
        else:
            assert "usage:" in _python(["-m", "fastai_freeze_compat", args[0], "--help"], tmp_path)
    assert ran == 3
    executed = json.loads((tmp_path / "notebook_executed.ipynb").read_text())["cells"][0]["outputs"]
    assert executed[0]["data"]["text/plain"] == "['x.png']"          # --data-root /kaggle/input=./data
    if sys.version_info >= (3, 8): assert "fastai.vision.all" in (tmp_path / "train_fastai2.py").read_text()


def test_readme_example_scripts_run(tmp_path):
    "`python examples/make_seedlings_folder.py /tmp/kaggle/input`, into a temporary folder instead of /tmp/kaggle."
    cmds = [c for c in readme_commands() if c.startswith("python examples/")]
    assert cmds == ["python examples/make_seedlings_folder.py /tmp/kaggle/input"]
    args = shlex.split(cmds[0])[1:]
    _python([str(ROOT / args[0]), str(tmp_path / "input")], tmp_path)
    assert len(list((tmp_path / "input" / "train").glob("*/*.png"))) == 4750
    assert len(list((tmp_path / "input" / "test").glob("*.png"))) == 794
