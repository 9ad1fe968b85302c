"""``fastai-freeze-compat`` / ``python -m fastai_freeze_compat``: check, upgrade (and demo, run)."""
import argparse
import re
import sys
import warnings
from pathlib import Path

__all__ = ["main"]


def _count_arg(least, what):
    "An argparse type: an integer >= `least`, else a message saying what the option counts."
    def parse(text):
        try: n = int(text)
        except ValueError: n = None
        if n is None or n < least:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}: give an integer >= {least}")
        return n
    parse.__name__ = what        # argparse names the type in its message
    return parse


def _arch_arg(text):
    "An argparse type: the name of a torchvision model function (`resnet18`), not a class or a private name."
    if not re.fullmatch(r"[a-z][a-z0-9_]*", text):
        hint = f" ({text} is the class; its model functions are e.g. {text.lower()}18)" if text[:1].isupper() else ""
        raise argparse.ArgumentTypeError(f"{text!r} is not an architecture name: give a torchvision model function "
                                         f"in lower case, such as resnet18, resnet50 or densenet121{hint}")
    return text


def _cmd_upgrade(args):
    from .upgrade import format_report, upgrade_file
    src = Path(args.file)
    if not src.is_file():
        print(f"upgrade: {src} does not exist", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else src.with_name(src.stem + "_fastai2" + src.suffix)
    report_path = Path(args.report) if args.report else out.with_name(out.stem + "_report.txt")
    report = upgrade_file(src, out, keep_v1_semantics=args.keep_v1_semantics)
    text = format_report(report)
    report_path.write_text(text + "\n", encoding="utf-8")
    print(text)
    n_err = sum(f.level == "ERROR" for _, f in report)
    print(f"\nwrote {out} and {report_path}: {len(report)} findings, {n_err} need a manual port (ERROR)")
    # the output does not run on fastai 2 as it is while an ERROR remains
    return 1 if n_err else 0


def _cmd_check(args):
    from .check import check
    print(check(args.arch, n_classes=args.classes))
    return 0


def _cmd_run(args):
    import os
    from .notebook import run_notebook
    roots = []
    for spec in args.data_root or []:
        if "=" in spec:
            old, new = spec.split("=", 1)
            roots.append((old, new))
        else:   # a folder of datasets for untar_data (v2 backend)
            os.environ["FASTAI_FREEZE_COMPAT_DATA_ROOT"] = spec
    if not Path(args.notebook).is_file():
        raise ValueError(f"{args.notebook} does not exist")
    rep = run_notebook(args.notebook, out_path=args.out, report_path=args.report, data_roots=roots, cwd=args.cwd,
                       keep_going=args.keep_going)
    print(Path(rep["report_path"]).read_text(encoding="utf-8"), end="")
    print(f"wrote {rep['out_path']} and {rep['report_path']}")
    if any(c["status"] == "interrupted" for c in rep["cells"]): return 130
    return 1 if rep["failed"] else 0


def _cmd_demo(args):
    from .demo import run_demo
    res = run_demo(data=args.data, arch=args.arch, size=args.size, epochs=(args.frozen_epochs, args.epochs),
                   out=args.out, bs=args.bs)
    return 0 if res["stages"] else 1


def _parser():
    p = argparse.ArgumentParser(prog="fastai-freeze-compat",
                                description="fastai v1's transfer-learning semantics on fastai 2: tools")
    sub = p.add_subparsers(dest="command")
    d = sub.add_parser("demo", help="the v1 workflow (freeze, fit_one_cycle, unfreeze, fit_one_cycle) on "
                                     "scikit-learn's digits, offline, with a per-stage table and a plot")
    d.add_argument("--data", help="your own ImageNet-style folder instead of the digits")
    d.add_argument("--arch", type=_arch_arg, default="resnet18", help="a torchvision architecture (default resnet18)")
    d.add_argument("--size", type=_count_arg(8, "an image size in pixels"), default=32, help="image size (default 32)")
    d.add_argument("--bs", type=_count_arg(1, "a batch size"), default=64,
                   help="batch size (default 64; at most the number of training images)")
    d.add_argument("--epochs", type=_count_arg(1, "a number of epochs"), default=3,
                   help="epochs after unfreeze() (default 3)")
    d.add_argument("--frozen-epochs", type=_count_arg(1, "a number of epochs"), default=1,
                   help="epochs after freeze() (default 1)")
    d.add_argument("--out", default="fastai_freeze_compat_demo", help="folder for the data, models and demo.png")
    d.set_defaults(func=_cmd_demo)
    c = sub.add_parser("check", help="v1 semantics (this package) vs native fastai 2, side by side, for an architecture")
    c.add_argument("arch", nargs="?", type=_arch_arg, default="resnet18",
                   help="a torchvision architecture name (default resnet18)")
    c.add_argument("--classes", type=_count_arg(2, "a number of classes"), default=12,
                   help="number of classes of the head (default 12)")
    c.set_defaults(func=_cmd_check)
    u = sub.add_parser("upgrade", help="rewrite fastai v1 code (.py or .ipynb) to native fastai 2 code, with a report")
    u.add_argument("file")
    u.add_argument("-o", "--out", help="output file (default: FILE_fastai2.py / .ipynb)")
    u.add_argument("--report", help="report file (default: OUT_report.txt)")
    u.add_argument("--keep-v1-semantics", action="store_true",
                   help="also write the explicit fastai 2 arguments that reproduce v1's numbers")
    u.set_defaults(func=_cmd_upgrade)
    r = sub.add_parser("run", help="execute an unmodified fastai v1 notebook through this package, with a report")
    r.add_argument("notebook")
    r.add_argument("-o", "--out", help="executed notebook (default: NOTEBOOK_executed.ipynb)")
    r.add_argument("--report", help="report of the bridged v1 APIs (default: NOTEBOOK_report.txt)")
    r.add_argument("--data-root", action="append", metavar="OLD=NEW|DIR",
                   help="map a path prefix in the notebook's strings (e.g. /kaggle/input=./data), or give a folder "
                        "of extracted datasets for untar_data; repeatable")
    r.add_argument("--cwd", help="working directory for the run (default: the current one)")
    r.add_argument("--keep-going", action="store_true",
                   help="run the cells after a failing one too (default: stop there, as Jupyter's run all); the "
                        "report lists each failed cell, and the exit code is 1 when any failed")
    r.set_defaults(func=_cmd_run)
    return p


def main(argv=None):
    # torch >= 2.10 warns that torch.jit.script is deprecated whenever fastai is imported (fastai 2 scripts a few
    # activations): a warning about fastai's internals that the user cannot act on, hidden in the CLI's process.
    warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.* is deprecated", category=FutureWarning)
    p = _parser()
    args = p.parse_args(argv)
    if not getattr(args, "func", None):
        p.print_help()
        return 2
    try:
        return args.func(args)
    except (ValueError, RuntimeError, OSError) as e:
        print(f"fastai-freeze-compat {args.command}: error: {e}", file=sys.stderr)
        return 2
