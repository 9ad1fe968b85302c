"""``fastai-freeze-compat check ARCH``: v1 semantics (this package) and native fastai 2 side by side."""
import inspect
import tempfile
import warnings
from pathlib import Path

__all__ = ["check"]


def _tiny_dls(root, n_classes):
    import numpy as np
    from PIL import Image
    from fastai.vision.all import ImageDataLoaders, Resize
    rng = np.random.RandomState(0)
    for split in ("train", "valid"):      # every class in both, so the vocab has all of them
        for k in range(n_classes):
            d = Path(root) / split / f"class_{k:02d}"
            d.mkdir(parents=True)
            Image.fromarray(rng.randint(0, 256, (16, 16, 3)).astype(np.uint8)).save(str(d / "0.png"))
    return ImageDataLoaders.from_folder(root, item_tfms=Resize(16), bs=2, num_workers=0)


def _count(model, trainable=False):
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable)


def check(arch="resnet18", n_classes=12):
    "A text table: parameters, groups and trainable counts per freeze state, v1 (package) vs native fastai 2."
    from . import IS_V1, FASTAI_VERSION
    if IS_V1:
        raise RuntimeError(f"check compares with native fastai 2, but fastai {FASTAI_VERSION} is installed "
                           "(here the package is fastai v1 itself)")
    import fastai
    import torchvision
    from fastai.vision.all import vision_learner
    from . import cnn_learner, models
    from .changes import by_key
    if not isinstance(n_classes, int) or isinstance(n_classes, bool) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2 (a classifier's head), got {n_classes!r}")
    builder = None if arch.startswith("_") else getattr(models, arch, None) or getattr(torchvision.models, arch, None)
    # a model function (resnet18), not a class (ResNet) or a module attribute (__class__)
    if builder is None or inspect.isclass(builder) or not callable(builder):
        raise ValueError(f"unknown architecture {arch!r}: give a torchvision model name such as resnet18")
    with tempfile.TemporaryDirectory() as root, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dls = _tiny_dls(root, n_classes)
        v1 = cnn_learner(dls, builder, pretrained=False)
        rows = [("parameters", f"{_count(v1.model):,}", None)]
        try:
            v2 = vision_learner(dls, builder, pretrained=False)
        except Exception as e:     # e.g. mobilenet_v2: not in fastai 2's model_meta
            v2, rows[0] = None, ("parameters", f"{_count(v1.model):,}", f"vision_learner fails: {type(e).__name__}")
        if v2 is not None:
            rows[0] = ("parameters", rows[0][1], f"{_count(v2.model):,}")
            v2.create_opt()
        rows.append(("groups", f"{len(v1.layer_groups)} layer groups: "
                     + "/".join(str(len(g)) for g in v1.layer_groups) + " layers",
                     f"{len(v2.opt.param_lists)} parameter groups" if v2 else "-"))
        rows.append(("group parameters", "/".join(f"{sum(p.numel() for p in g.parameters()):,}" for g in v1.layer_groups),
                     "/".join(f"{sum(p.numel() for p in g):,}" for g in v2.opt.param_lists) if v2 else "-"))
        for label, action in [("freeze()", ("freeze",)), ("freeze_to(1)", ("freeze_to", 1)),
                              ("unfreeze()", ("unfreeze",)), ("freeze_to(-1)", ("freeze_to", -1))]:
            getattr(v1, action[0])(*action[1:])
            if v2 is not None: getattr(v2, action[0])(*action[1:])
            rows.append((f"trainable after {label}", f"{_count(v1.model, True):,}",
                         f"{_count(v2.model, True):,}" if v2 else "-"))
    w0, w1 = max(len(r[0]) for r in rows), max(len(r[1]) for r in rows)
    head = f"{arch}, {n_classes} classes, pretrained=False"
    lines = [head, "=" * len(head),
             f"{'':<{w0}}  {'fastai v1 (fastai_freeze_compat)':<{w1}}  native fastai {fastai.__version__}"]
    lines += [f"{a:<{w0}}  {b:<{w1}}  {c}" for a, b, c in rows]
    lines += ["", "What differs and why:"]
    for key in ("default.head_bias", "default.train_bn_types", "behaviour.layer_groups", "default.normalize",
                "default.adam_eps", "default.wd_bn_bias", "behaviour.freeze_one_group"):
        c = by_key(key)
        lines.append(f"- {c.v1} | fastai 2: {c.v2}" + (f" ({c.what})" if c.what else ""))
    if arch.startswith("squeezenet"): lines.append("- " + by_key("behaviour.squeezenet_groups").v1 + " | fastai 2: 3")
    return "\n".join(lines)
