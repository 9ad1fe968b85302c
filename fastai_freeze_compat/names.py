"""The v1 namespace table: what each fastai v1 name that no bridge provides is on fastai 2.

Read by ``_namespace`` (which binds the names), ``docs/make_coverage.py`` (the coverage table in
``docs/v1-namespace.md``) and ``tests/test_namespace.py``. A recorded v1 name (``_v1_names``) is

* **bridged** when a backend module lists it in its ``__all__`` (the package's own object, v1's behaviour);
* **identical** when it is the same object as v1's: a non-fastai object v1 re-exported (its recorded origin,
  imported as it is), or a fastai 2 object that kept v1's definition, listed in :data:`IDENTICAL`;
* **unsupported** otherwise, with the reason and the native fastai 2 way from :data:`UNSUPPORTED` (one
  name) or :data:`UNSUPPORTED_MODULES` (every not-yet-bridged name v1 defined in that module). A fastai name
  none of these covers fails ``tests/test_namespace.py``.

Pure data: importing it imports nothing.
"""

__all__ = ["IDENTICAL", "UNSUPPORTED", "UNSUPPORTED_MODULES"]

#: fastai names whose fastai 2 object has v1's definition: ``{v1 name: (fastai 2 "module:qualname", why)}``.
#: ``tests/test_namespace.py`` asserts each is bound to that very object.
IDENTICAL = {
    # fastai/torch_core.py
    "bn_types": ("fastai.callback.training:bn_types", "the same tuple (BatchNorm1d/2d/3d), moved"),
    "flatten_model": ("fastai.layers:flatten_model", "the same leaves in the same order"),
    "children_and_parameters": ("fastai.layers:children_and_parameters", "v1's definition"),
    "ParameterModule": ("fastai.layers:ParameterModule", "v1's definition"),
    "trainable_params": ("fastai.torch_core:trainable_params", "the parameters with requires_grad, in order"),
    "get_model": ("fastai.torch_core:get_model", "the model inside DataParallel / DistributedDataParallel"),
    "num_distrib": ("fastai.torch_core:num_distrib", "the WORLD_SIZE environment variable, as an int"),
    "rank_distrib": ("fastai.torch_core:rank_distrib", "the RANK environment variable, as an int"),
    "logit": ("fastai.torch_core:logit", "`-(1/x-1).log()` after clamping"),
    # fastai/core.py
    "ifnone": ("fastcore.basics:ifnone", "`b if a is None else a`"),
    "num_cpus": ("fastcore.basics:num_cpus", "the CPUs this process may use (sched_getaffinity)"),
    "PrettyString": ("fastcore.basics:PrettyString", "a str whose repr is itself"),
    "bunzip": ("fastcore.xtras:bunzip", "bunzip `fn`, raising exception if output already exists"),
    "working_directory": ("fastcore.foundation:working_directory", "a context manager changing the cwd"),
    "camel2snake": ("fastcore.basics:camel2snake", "the same two regular expressions"),
    # fastai/callback.py: fastai 2 kept v1's annealing curves under new names (same arguments: start, end, pct)
    "annealing_cos": ("fastai.callback.schedule:sched_cos", "v1's cosine from start to end"),
    "annealing_exp": ("fastai.callback.schedule:sched_exp", "v1's `start * (end/start) ** pct`"),
    "annealing_linear": ("fastai.callback.schedule:sched_lin", "v1's `start + pct * (end-start)`"),
    "annealing_no": ("fastai.callback.schedule:sched_no", "v1's constant `start`"),
    # fastai/layers.py
    "AdaptiveConcatPool2d": ("fastai.layers:AdaptiveConcatPool2d", "max then average pool, concatenated"),
    # fastai/metrics.py
    "accuracy": ("fastai.metrics:accuracy", "argmax over the last axis against the targets, mean"),
    "error_rate": ("fastai.metrics:error_rate", "1 - accuracy"),
    # fastai/vision/data.py
    "imagenet_stats": ("fastai.vision.core:imagenet_stats", "the same two lists"),
    "cifar_stats": ("fastai.vision.core:cifar_stats", "the same two lists"),
    "mnist_stats": ("fastai.vision.core:mnist_stats", "the same two lists"),
    "image_extensions": ("fastai.data.transforms:image_extensions", "the image types of `mimetypes`"),
    # fastai/vision/learner.py
    "has_pool_type": ("fastai.vision.learner:has_pool_type", "fastai 2 fixed it the way 1.0.61 did"),
    # fastai/datasets.py
    "URLs": ("fastai.data.external:URLs", "the same dataset addresses and `LOCAL_PATH`"),
}

#: One v1 name not bridged: ``{name: (reason, native fastai 2 way)}``; takes precedence over its module's rule.
UNSUPPORTED = {}

# fastai v1's own architectures -> where fastai 2's nearest model lives (other layers and weights)
_NEAREST = {**{n: "fastai.vision.models.xresnet." + n for n in
               ("xresnet18", "xresnet34", "xresnet50", "xresnet101", "xresnet152")},
            "XResNet": "fastai.vision.models.xresnet.XResNet", "xresnet": "fastai.vision.models.xresnet"}
UNSUPPORTED.update({n: ("one of fastai v1's own architectures; fastai 2's nearest has other layers and weights",
                        f"`{where}`") for n, where in _NEAREST.items()})

_DB = ("v1's data block API is not bridged yet",
       "`DataBlock` / `Datasets` / `DataLoaders` (fastai.data.block, fastai.data.core)")
_INF = ("v1's inference and interpretation API is not bridged yet",
        "`learn.predict`, `learn.get_preds(dl=...)`, `learn.tta`, `Interpretation` (fastai.learner, fastai.interpret)")

#: Every v1 name defined in a module (or below it) that no bridge, identity or name entry covers:
#: ``{v1 module: (reason, native fastai 2 way)}``; the longest matching module wins.
UNSUPPORTED_MODULES = {
    "fastai.core": ("this helper of v1's fastai/core.py is not bridged yet",
                    "fastcore's helpers (fastcore.basics, fastcore.foundation: `L`, `listify`, `ifnone`, ...)"),
    "fastai.imports": ("v1's import helpers are not bridged", "import the module directly"),
    "fastai.torch_core": ("this helper of v1's fastai/torch_core.py is not bridged yet",
                          "fastai.torch_core (`to_np`, `to_device`, `tensor`, `defaults`, ...)"),
    "fastai.layers": ("v1's layers are not bridged yet", "fastai.layers (`ConvLayer`, `ResBlock`, `Lambda`, ...)"),
    "fastai.basic_data": ("v1's DataBunch is not bridged beyond ImageDataBunch yet", "`DataLoaders` (fastai.data.core)"),
    "fastai.basic_train": _INF,
    "fastai.callback": ("v1's callback system is not bridged yet", "`Callback` (fastai.callback.core)"),
    "fastai.callbacks": ("this v1 callback is not bridged yet", "fastai.callback.* (fastai 2's callbacks)"),
    "fastai.callbacks.hooks": ("v1's hooks are not bridged yet", "fastai.callback.hook (`Hook`, `Hooks`, `hook_outputs`)"),
    "fastai.train": ("this helper of v1's fastai/train.py is not bridged yet",
                     "fastai 2's callbacks (`GradientAccumulation`, `MixUp`; fastai.callback.*) and `fit_flat_cos`"),
    "fastai.metrics": ("this v1 metric is not bridged yet", "fastai.metrics (`accuracy_multi`, `F1Score`, `RocAuc`, ...)"),
    "fastai.data_block": _DB,
    "fastai.datasets": ("this v1 dataset helper is not bridged yet", "fastai.data.external (`untar_data`, `URLs`)"),
    "fastai.vision": _DB,
    "fastai.vision.data": _DB,
    "fastai.vision.image": ("v1's image objects are not bridged yet",
                            "fastai.vision.core (`PILImage`, `PILMask`, `TensorPoint`, `TensorBBox`)"),
    "fastai.vision.transform": ("this v1 transform is not bridged yet",
                                "fastai.vision.augment (`aug_transforms`, `Flip`, `Rotate`, `Zoom`, `Warp`, ...)"),
    "fastai.vision.learner": _INF,
    "fastai.vision.interpret": _INF,
    "fastai.vision.tta": _INF,
    "fastai.sixel": ("v1's terminal (sixel) plotting is not bridged", "matplotlib's own backends"),
    "fastai.vision.gan": ("v1's GAN API is not bridged", "fastai.vision.gan"),
    "fastai.vision.models": ("one of fastai v1's own architectures, with no fastai 2 counterpart of the same layers "
                             "and weights", "fastai.vision.models (`xresnet`, `DynamicUnet`), other layers and weights"),
    "fastai.script": ("v1's script helpers are not bridged", "fastcore.script (`call_parse`, `Param`)"),
    "fastai.utils": ("v1's utilities are not bridged", "fastai.test_utils / fastcore"),
    "fastai.version": ("fastai v1's version is not fastai 2's", "`fastai.__version__`"),
}
