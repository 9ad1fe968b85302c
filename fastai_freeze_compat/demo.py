"""``fastai-freeze-compat demo``: the fastai v1 transfer-learning workflow, end to end, offline.

By default on scikit-learn's bundled handwritten digits (1,797 real 8x8 images, 10 classes), written
out as an ImageNet-style folder; ``--data PATH`` runs the same on your own folder (``PATH/<class>/*.png``
or ``PATH/train``/``PATH/valid``). The steps are a v1 notebook's, through the package:
``ImageDataBunch.from_folder`` -> ``cnn_learner`` -> ``freeze()`` -> ``fit_one_cycle`` -> ``unfreeze()`` ->
``fit_one_cycle(max_lr=slice(...))``, printing the layer groups and trainable parameters of each stage,
its error rate, and writing a plot of the losses and the learning rate / momentum of each stage.
"""
import time
import warnings
from pathlib import Path

__all__ = ["write_digits_folder", "run_demo"]


def write_digits_folder(dest):
    "Write scikit-learn's digits as `dest/<digit>/<i>.png` (8x8 grey levels 0-16 scaled to 0-255, RGB)."
    import numpy as np
    from PIL import Image
    from sklearn.datasets import load_digits
    digits = load_digits()
    dest = Path(dest)
    for i, (img, label) in enumerate(zip(digits.images, digits.target)):
        d = dest / str(label)
        d.mkdir(parents=True, exist_ok=True)
        a = (img * (255. / 16.)).clip(0, 255).astype(np.uint8)
        Image.fromarray(np.stack([a] * 3, -1)).save(str(d / f"{i:04d}.png"))
    return dest


def _stage_table(learn):
    rows = []
    for i, g in enumerate(learn.layer_groups):
        ps = list(g.parameters())
        n, t = sum(p.numel() for p in ps), sum(p.numel() for p in ps if p.requires_grad)
        rows.append(f"    group {i}: {len(g):>3} layers, {n:>11,} params, {t:>11,} trainable")
    total = sum(p.numel() for p in learn.model.parameters() if p.requires_grad)
    return "\n".join(rows + [f"    total trainable: {total:,}"])


def _plot(stages, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axs = plt.subplots(1, 3, figsize=(15, 4))
    start = 0
    for name, rec in stages:
        its = list(range(start, start + len(rec["losses"])))
        axs[0].plot(its, rec["losses"], label=f"{name}: train loss")
        if rec["val_losses"]:
            per = max(1, len(rec["losses"]) // len(rec["val_losses"]))
            axs[0].plot([start + per * (k + 1) - 1 for k in range(len(rec["val_losses"]))], rec["val_losses"],
                        "o-", label=f"{name}: valid loss")
        axs[1].plot(its[:len(rec["lrs"])], rec["lrs"], label=name)
        axs[2].plot(its[:len(rec["moms"])], rec["moms"], label=name)
        start += len(rec["losses"])
    for ax, title in zip(axs, ["loss", "learning rate (last layer group)", "momentum"]):
        ax.set_title(title); ax.set_xlabel("iteration"); ax.legend(fontsize=7)
    axs[1].set_yscale("log")
    fig.tight_layout()
    fig.savefig(str(path), dpi=90)
    plt.close(fig)


def run_demo(data=None, arch="resnet18", size=32, epochs=(1, 3), out="fastai_freeze_compat_demo", bs=64,
             lr=slice(1e-4, 3e-3), print_fn=print):
    "Run the demo; returns {'stages': [...], 'plot': path, 'seconds': s}."
    import torch
    import fastai_freeze_compat as fv
    t0 = time.time()
    with warnings.catch_warnings():
        # the demo is the package's own code: its FastaiV1APIWarnings would point here, not at the user's
        warnings.simplefilter("ignore", fv.FastaiV1APIWarning)
        return _run(fv, torch, t0, data, arch, size, epochs, out, bs, lr, print_fn)


def _run(fv, torch, t0, data, arch, size, epochs, out, bs, lr, print_fn):
    builder = getattr(fv.models, arch, None)
    if builder is None: raise ValueError(f"unknown architecture {arch!r}: use one of fv.models, e.g. resnet18")
    if data is not None and not Path(data).is_dir(): raise ValueError(f"--data {data} is not a folder")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if data is None:
        data_path = out / "digits"
        if not data_path.exists():
            print_fn(f"writing scikit-learn's digits (1,797 images, 10 classes) to {data_path}")
            write_digits_folder(data_path)
    else:
        data_path = Path(data)
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in epochs):
        raise ValueError(f"each stage (freeze(), unfreeze()) needs at least one epoch, got epochs={epochs!r}")
    has_split = (data_path / "train").is_dir() and (data_path / "valid").is_dir()
    fv.np.random.seed(42)
    torch.manual_seed(42)
    bunch = (fv.ImageDataBunch.from_folder(data_path, size=size, bs=bs, num_workers=0) if has_split else
             fv.ImageDataBunch.from_folder(data_path, valid_pct=0.2, size=size, bs=bs, num_workers=0))
    print_fn(f"data: {len(bunch.train_ds)} training and {len(bunch.valid_ds)} validation images, "
             f"{bunch.c} classes, size {size}")
    if len(bunch.train_ds) < bs:
        # v1 (and fit) would stop at the first epoch: "Your training dataloader is empty ... Use a smaller batch size"
        raise ValueError(f"{data_path} has {len(bunch.train_ds)} training images, fewer than the batch size {bs} "
                         f"(the last incomplete batch is dropped): pass --bs {max(1, len(bunch.train_ds) // 2)} or smaller")
    learn = fv.cnn_learner(bunch, builder, pretrained=False, metrics=fv.error_rate, path=out)
    print_fn(f"learner: {arch}, {len(learn.layer_groups)} layer groups, "
             f"{sum(p.numel() for p in learn.model.parameters()):,} parameters")
    stages, result = [], []
    for name, n_epochs, action, max_lr in [("freeze()", epochs[0], learn.freeze, fv.defaults.lr),
                                           ("unfreeze()", epochs[1], learn.unfreeze, lr)]:
        action()
        print_fn(f"\n== stage {name}: fit_one_cycle({n_epochs}, max_lr={max_lr})\n{_stage_table(learn)}")
        learn.fit_one_cycle(n_epochs, max_lr=max_lr)
        rec = learn.recorder
        err = float(rec.metrics[-1][0])
        stages.append((name, {"losses": [float(x) for x in rec.losses], "val_losses": [float(x) for x in rec.val_losses],
                              "lrs": [float(x) for x in rec.lrs], "moms": [float(x) for x in rec.moms]}))
        result.append({"stage": name, "epochs": n_epochs, "error_rate": err, "losses": stages[-1][1]["losses"],
                       "trainable": sum(p.numel() for p in learn.model.parameters() if p.requires_grad)})
        print_fn(f"   error_rate after {name}: {err:.4f}")
    plot = out / "demo.png"
    _plot(stages, plot)
    secs = time.time() - t0
    print_fn(f"\nwrote {plot}; chance would be {1 - 1 / bunch.c:.2f} error; took {secs:.0f} s")
    return {"stages": result, "plot": str(plot), "seconds": secs}
