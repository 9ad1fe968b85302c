"""The one table of what changed from fastai v1 to fastai 2.

Every v1 -> v2 difference the package knows, as data: warnings, the migration guide, ``check`` and
``upgrade`` all read this table, and ``tests/test_changes.py`` checks each entry against the installed
fastai's real signatures and defaults (the ``v1`` side on fastai 1.x, the ``v2`` side on fastai 2.x).

Pure data and a few lookups: importing it imports no fastai and has no side effects.
"""
import re
from collections import namedtuple

__all__ = ["Ref", "Change", "CHANGES", "by_key", "by_kind", "renamed_names", "renamed_keywords"]

#: A checkable place in a fastai release: ``target`` is ``"module:qualname"``; with ``param`` it names a
#: parameter of that callable (and ``default``, when given, is its default); with ``attr`` an attribute
#: (and ``value`` its value). ``since`` is a version specifier the reference needs (e.g. ``">=1.0.61"``).
Ref = namedtuple("Ref", "target param default attr value since")
Ref.__new__.__defaults__ = (None, "<any>", None, "<any>", "")

#: One difference. ``kind``: ``name`` (renamed or moved API), ``keyword`` (renamed argument), ``default``
#: (same API, other default) or ``behaviour`` (same call, other result). ``v1`` / ``v2``: the spelling on
#: each side; ``what``: what differs if you switch; ``keep_v1``: native fastai 2 code that keeps v1's
#: numbers; ``bridged_by``: the package name that gives v1's behaviour; ``refs_v1`` / ``refs_v2``:
#: places checked against the installed fastai; ``tested_by``: tests that measure a behaviour change;
#: ``rewrite``: ``upgrade`` renames it in code by itself (a safe rewrite: the same meaning on fastai 2).
Change = namedtuple("Change", "key kind v1 v2 what keep_v1 bridged_by refs_v1 refs_v2 tested_by rewrite")
Change.__new__.__defaults__ = ("", "", (), (), (), False)

_LEARNER_V1 = "fastai.vision.learner:cnn_learner"
_VL = "fastai.vision.learner:vision_learner"
_FOC_V1 = "fastai.train:fit_one_cycle"
_FOC_V2 = "fastai.callback.schedule:Learner.fit_one_cycle"
_L_V1 = "fastai.basic_train:Learner"
_L_V2 = "fastai.learner:Learner"
_IDB_V1 = "fastai.vision.data:ImageDataBunch."
_IDB_V2 = "fastai.vision.data:ImageDataLoaders."
_IDB_WHAT = "different keywords (item_tfms/batch_tfms instead of ds_tfms/size), a torch-seeded random split"
_IDB_KEEP = "ImageDataLoaders with IndexSplitter on v1's numpy permutation"

CHANGES = (
    # -- renamed or moved names --------------------------------------------------------------------
    Change("name.cnn_learner", "name", "cnn_learner(data, base_arch, ...)", "vision_learner(dls, arch, ...)",
           "fastai 2.6 renamed it; its cnn_learner alias takes dls first, has no split_on, and sends **kwargs "
           "to the model instead of the Learner",
           "vision_learner(dls, arch, normalize=False, opt_func=partial(Adam, eps=1e-8), wd_bn_bias=True) "
           "with a custom_head whose Linear layers keep their bias", "cnn_learner",
           (Ref(_LEARNER_V1, "base_arch"),), (Ref(_VL, "arch"),), rewrite=True),
    Change("name.create_cnn", "name", "create_cnn(data, base_arch, ...)", "vision_learner(dls, arch, ...)",
           "deprecated in v1 already (a warning), gone in fastai 2: AttributeError / ImportError",
           "vision_learner(dls, arch, normalize=False, opt_func=partial(Adam, eps=1e-8), wd_bn_bias=True) "
           "with a custom_head whose Linear layers keep their bias",
           "create_cnn", (Ref("fastai.vision.learner:create_cnn", "base_arch"),), (), rewrite=True),
    Change("name.create_cnn_model", "name", "create_cnn_model(base_arch, nc, ...)",
           "create_vision_model(arch, n_out, ...)",
           "renamed (n_out instead of nc); fastai 2's deprecated create_cnn_model alias builds fastai 2's head "
           "(11,710,016 parameters for resnet18 with 12 classes) and kaiming-initialises it, where v1's left torch's "
           "default initialisation", "create_vision_model(arch, n_out, custom_head=<v1's head>, init=None)",
           "create_cnn_model",
           (Ref("fastai.vision.learner:create_cnn_model", "nc", since=">=1.0.52"),),
           (Ref("fastai.vision.learner:create_vision_model", "n_out"),), rewrite=True),
    Change("name.ImageDataBunch", "name", "ImageDataBunch.from_folder(path, ...)",
           "ImageDataLoaders.from_folder(path, ...)", _IDB_WHAT, _IDB_KEEP, "ImageDataBunch",
           (Ref("fastai.vision.data:ImageDataBunch.from_folder", "valid_pct"),),
           (Ref("fastai.vision.data:ImageDataLoaders.from_folder", "valid_pct"),)),
    # each factory warns about itself (a notebook calling from_df is told about from_df, not from_folder)
    Change("name.ImageDataBunch.from_name_re", "name", "ImageDataBunch.from_name_re(path, fnames, pat, ...)",
           "ImageDataLoaders.from_name_re(path, fnames, pat, ...)", _IDB_WHAT, _IDB_KEEP, "ImageDataBunch.from_name_re",
           (Ref(_IDB_V1 + "from_name_re", "pat"),), (Ref(_IDB_V2 + "from_name_re", "pat"),)),
    Change("name.ImageDataBunch.from_name_func", "name", "ImageDataBunch.from_name_func(path, fnames, label_func, ...)",
           "ImageDataLoaders.from_name_func(path, fnames, label_func, ...)", _IDB_WHAT, _IDB_KEEP,
           "ImageDataBunch.from_name_func",
           (Ref(_IDB_V1 + "from_name_func", "label_func"),), (Ref(_IDB_V2 + "from_name_func", "label_func"),)),
    Change("name.ImageDataBunch.from_lists", "name", "ImageDataBunch.from_lists(path, fnames, labels, ...)",
           "ImageDataLoaders.from_lists(path, fnames, labels, ...)", _IDB_WHAT, _IDB_KEEP, "ImageDataBunch.from_lists",
           (Ref(_IDB_V1 + "from_lists", "labels"),), (Ref(_IDB_V2 + "from_lists", "labels"),)),
    Change("name.ImageDataBunch.from_df", "name", "ImageDataBunch.from_df(path, df, ..., suffix='')",
           "ImageDataLoaders.from_df(df, path='.', ..., suff='')",
           "the DataFrame comes first and `path` is a keyword (v1's order passes the DataFrame as `path`: TypeError), "
           "`suffix` is `suff`; " + _IDB_WHAT, "ImageDataLoaders.from_df(df, path, suff=..., valid_col=<v1's split>)",
           "ImageDataBunch.from_df",
           (Ref(_IDB_V1 + "from_df", "suffix", ""),),
           (Ref(_IDB_V2 + "from_df", "suff", ""), Ref(_IDB_V2 + "from_df", "path", "."))),
    Change("name.ImageDataBunch.from_csv", "name", "ImageDataBunch.from_csv(path, csv_labels='labels.csv', ...)",
           "ImageDataLoaders.from_csv(path, csv_fname='labels.csv', ...)",
           "`csv_labels` is `csv_fname`, `suffix` is `suff`; " + _IDB_WHAT,
           "ImageDataLoaders.from_df(pd.read_csv(path/csv_labels), path, valid_col=<v1's split>)", "ImageDataBunch.from_csv",
           (Ref(_IDB_V1 + "from_csv", "csv_labels", "labels.csv"),), (Ref(_IDB_V2 + "from_csv", "csv_fname", "labels.csv"),)),
    Change("name.get_transforms", "name", "get_transforms(...)", "aug_transforms(...)",
           "a 2-magnitude warp instead of 4, dihedral with p=0.5 instead of 1, no built-in random crop",
           "aug_transforms(...) plus item_tfms=Resize(size, method='crop')", "get_transforms",
           (Ref("fastai.vision.transform:get_transforms", "max_warp", 0.2),),
           (Ref("fastai.vision.augment:aug_transforms", "max_warp", 0.2),)),
    Change("name.data", "name", "learn.data", "learn.dls", "renamed attribute", "learn.dls", "Learner.data",
           (Ref(_L_V1, "data"),), (Ref(_L_V2, "dls"),)),
    Change("name.bn_types", "name", "fastai.torch_core.bn_types", "fastai.callback.training.bn_types",
           "moved; same tuple (BatchNorm1d/2d/3d)", "from fastai.callback.training import bn_types", "bn_types",
           (Ref("fastai.torch_core:bn_types"),), (Ref("fastai.callback.training:bn_types"),)),
    Change("name.requires_grad", "name", "requires_grad(m, b=None)", "requires_grad(m)",
           "fastai 2's only reads (and returns False, not None, without parameters); setting is gone",
           "m.requires_grad_(b)", "requires_grad",
           (Ref("fastai.torch_core:requires_grad", "b", None),), (Ref("fastai.torch_core:requires_grad", "m"),)),
    Change("name.recorder.plot", "name", "recorder.plot() / plot_losses() / plot_lr()",
           "recorder.plot_lr_find() / plot_loss() / plot_sched()",
           "AttributeError: 'Sequential' object has no attribute 'plot' (the Recorder passes unknown names on to "
           "the model)", "recorder.plot_lr_find() / plot_loss(skip_start=0) / plot_sched()", "",
           (Ref("fastai.basic_train:Recorder.plot", "suggestion"),), (Ref("fastai.learner:Recorder.plot_loss"),)),
    # -- renamed keywords ------------------------------------------------------------------------------
    Change("kw.max_lr", "keyword", "fit_one_cycle(max_lr=...)", "fit_one_cycle(lr_max=...)", "renamed", "", "",
           (Ref(_FOC_V1, "max_lr"),), (Ref(_FOC_V2, "lr_max", None),), rewrite=True),
    Change("kw.cyc_len", "keyword", "fit_one_cycle(cyc_len)", "fit_one_cycle(n_epoch)", "renamed", "", "",
           (Ref(_FOC_V1, "cyc_len"),), (Ref(_FOC_V2, "n_epoch"),), rewrite=True),
    Change("kw.div_factor", "keyword", "fit_one_cycle(div_factor=25.)", "fit_one_cycle(div=25.)", "renamed",
           "", "", (Ref(_FOC_V1, "div_factor", 25.),), (Ref(_FOC_V2, "div", 25.),), rewrite=True),
    Change("kw.final_div", "keyword", "fit_one_cycle(final_div=None)", "fit_one_cycle(div_final=1e5)",
           "renamed; see default.final_div for the value", "fit_one_cycle(..., div_final=div*1e4)", "",
           (Ref(_FOC_V1, "final_div", None, since=">=1.0.50"),), (Ref(_FOC_V2, "div_final", 1e5),), rewrite=True),
    Change("kw.callbacks", "keyword", "fit(..., callbacks=[...]) / fit_one_cycle(..., callbacks=[...])",
           "fit(..., cbs=[...]) / fit_one_cycle(..., cbs=[...])", "renamed; v1 callbacks are other classes",
           "", "", (Ref(_FOC_V1, "callbacks", None), Ref(_L_V1 + ".fit", "callbacks", None), Ref(_L_V1, "callbacks")),
           (Ref(_FOC_V2, "cbs", None), Ref(_L_V2 + ".fit", "cbs", None), Ref(_L_V2, "cbs", None)), rewrite=True),
    Change("kw.epochs", "keyword", "learn.fit(epochs, lr)", "learn.fit(n_epoch, lr)", "renamed", "", "",
           (Ref(_L_V1 + ".fit", "epochs"),), (Ref(_L_V2 + ".fit", "n_epoch"),), rewrite=True),
    Change("kw.callback_fns", "keyword", "Learner(..., callback_fns=[...])", "Learner(..., cbs=[...])",
           "renamed; v1 passed functions of the learner", "", "Learner",
           (Ref(_L_V1, "callback_fns", None),), (Ref(_L_V2, "cbs", None),), rewrite=True),
    Change("kw.split_on", "keyword", "cnn_learner(..., split_on=f)", "vision_learner(..., splitter=f)",
           "v1's f returns the modules to split at; fastai 2's returns lists of parameters", "", "cnn_learner",
           (Ref(_LEARNER_V1, "split_on", None),), (Ref(_VL, "splitter", None),)),
    Change("kw.data", "keyword", "cnn_learner(data, base_arch)", "vision_learner(dls, arch)", "renamed", "",
           "cnn_learner", (Ref(_LEARNER_V1, "data"), Ref(_LEARNER_V1, "base_arch")), (Ref(_VL, "dls"), Ref(_VL, "arch")), rewrite=True),
    Change("kw.bn_wd", "keyword", "Learner(..., bn_wd=True)", "Learner(..., wd_bn_bias=False)",
           "renamed, and the default flipped: see default.wd_bn_bias", "", "Learner",
           (Ref(_L_V1, "bn_wd", True),), (Ref(_L_V2, "wd_bn_bias", False),), rewrite=True),
    Change("kw.true_wd", "keyword", "Learner(..., true_wd=True)", "opt_func=partial(Adam, decouple_wd=True)",
           "moved from the Learner to the optimizer", "", "Learner",
           (Ref(_L_V1, "true_wd", True),), (Ref("fastai.optimizer:Adam", "decouple_wd", True),)),
    # -- changed defaults --------------------------------------------------------------------------------
    Change("default.pct_start", "default", "pct_start=0.3, warm-up int(n*0.3) iterations",
           "pct_start=0.25, continuous", "the learning rate peaks at another iteration",
           "fit_one_cycle(n, lr_max, pct_start=int(n_iter*0.3)/n_iter)", "Learner.fit_one_cycle",
           (Ref(_FOC_V1, "pct_start", 0.3),), (Ref(_FOC_V2, "pct_start", 0.25),),
           ("tests/test_schedule.py::test_per_batch_lr_and_mom_of_every_layer_group_are_v1s",)),
    Change("default.final_div", "default", "final lr = max_lr/(div_factor*1e4) = max_lr/2.5e5",
           "final lr = lr_max/div_final = lr_max/1e5",
           "the schedule aims 2.5x higher at its end (per-batch rates differ by under 0.1%); after the fit v1 leaves "
           "the optimizer at max_lr/2.5e5, fastai 2 at the last batch's rate",
           "fit_one_cycle(..., div_final=div*1e4)", "Learner.fit_one_cycle", (), (Ref(_FOC_V2, "div_final", 1e5),),
           ("tests/test_schedule.py::test_per_batch_lr_and_mom_of_every_layer_group_are_v1s",)),
    Change("default.moms", "default", "moms=(0.95, 0.85)", "moms=(0.95, 0.85, 0.95)",
           "same schedule, written with its end value; v1's 2-tuple is a TypeError in fastai 2 (combined_cos() "
           "missing 'end')", "fit_one_cycle(..., moms=(0.95, 0.85, 0.95))", "Learner.fit_one_cycle",
           (Ref(_FOC_V1, "moms", (0.95, 0.85)),), (Ref(_L_V2, "moms", (0.95, 0.85, 0.95)),)),
    Change("default.lr", "default", "defaults.lr = slice(3e-3)", "defaults.lr = 1e-3",
           "v1 spreads its default over layer groups: frozen resnet [3e-4, 3e-4, 3e-3]; fastai 2 uses 1e-3 for all",
           "fit_one_cycle(n, lr_max=slice(3e-3))", "defaults",
           (Ref("fastai.basic_train:defaults", attr="lr", value=slice(3e-3)),),
           (Ref("fastai.learner:defaults", attr="lr", value=1e-3),)),
    Change("default.adam_eps", "default", "Adam eps=1e-8 (torch.optim.Adam, betas=(0.9, 0.99))",
           "Adam eps=1e-5", "different steps for small gradients: on a tiny CNN, freeze/fit_one_cycle/unfreeze/"
           "fit_one_cycle ends 7.6e-5 from real v1's weights with eps alone, 2.9e-4 to 4.4e-4 with fastai 2's Adam",
           "opt_func=partial(Adam, eps=1e-8)", "AdamW",
           (Ref("fastai.torch_core:AdamW"),), (Ref("fastai.optimizer:Adam", "eps", 1e-5),),
           ("tests/test_training_parity.py::test_parity_notices_each_v1_default",)),
    Change("default.wd", "default", "Learner(wd=1e-2)", "Learner(wd=None) -> optimizer's wd=0.01",
           "same value for Adam, but other optimizers get theirs: SGD none at all",
           "Learner(..., wd=1e-2, wd_bn_bias=True)", "Learner",
           (Ref(_L_V1, "wd", 1e-2),), (Ref(_L_V2, "wd", None),)),
    Change("default.wd_bn_bias", "default", "BatchNorm and bias parameters weight-decayed (bn_wd=True)",
           "not decayed (wd_bn_bias=False)", "different updates of every BatchNorm and bias", "wd_bn_bias=True",
           "Learner", (Ref(_L_V1, "bn_wd", True),), (Ref(_L_V2, "wd_bn_bias", False),),
           ("tests/test_training_parity.py::test_parity_notices_each_v1_default",)),
    Change("default.head_bias", "default", "head Linear layers have a bias (Linear(ni, no))",
           "no bias after BatchNorm (LinBnDrop: bias=not bn); head BatchNorm bias starts at 1e-3",
           "resnet18, 12 classes: 11,710,016 parameters instead of 11,710,540; v1 checkpoints miss 1.4.bias, 1.8.bias",
           "custom_head built with nn.Linear(ni, no) (bias=True)", "cnn_learner",
           (Ref("fastai.layers:bn_drop_lin", "bn", True),), (Ref("fastai.layers:LinBnDrop", "bn", True),),
           ("tests/test_isolation.py::test_native_vision_learner_keeps_fastai2_numbers",)),
    Change("default.train_bn_types", "default", "train_bn keeps BatchNorm1d/2d/3d trainable in frozen groups",
           "train_bn also keeps InstanceNorm and LayerNorm trainable", "more trainable parameters when frozen",
           "Learner(..., train_bn=False), then requires_grad_(True) on the bn_types layers after each freeze",
           "Learner.freeze_to", (Ref("fastai.torch_core:bn_types"),), (Ref("fastai.torch_core:norm_types"),),
           ("tests/test_freeze.py::test_only_batchnorm_stays_trainable_layernorm_and_instancenorm_freeze",)),
    Change("default.normalize", "default", "never normalizes: data.normalize(stats) is explicit",
           "vision_learner(normalize=True) adds ImageNet Normalize for pretrained models",
           "inputs scaled differently from what the notebook did", "vision_learner(..., normalize=False)",
           "cnn_learner", (), (Ref(_VL, "normalize", True),)),
    Change("default.pretrained_weights", "default", "pretrained=True -> torchvision IMAGENET1K_V1",
           "weights='DEFAULT' -> IMAGENET1K_V2 for resnet50/101/152",
           "other starting weights (and accuracy) for those models",
           "vision_learner(..., weights='IMAGENET1K_V1')", "cnn_learner", (), (Ref(_VL, "weights", None),),
           ("tests/test_weights.py::test_v1_weights_enum_for_resnet50_is_not_todays_default",)),
    Change("default.features_probe", "default", "num_features_model probes with a 64x64 batch",
           "probes with 32x32", "other random numbers drawn: the same seed gives another head",
           "build the model by hand in v1's order (body, 64x64 probe, v1's head, kaiming_normal_) and pass it to Learner",
           "num_features_model", (), (), ("tests/test_weights.py::test_seeded_initialisation_equals_v1s",)),
    # -- changed behaviour -------------------------------------------------------------------------------
    Change("behaviour.freeze_one_group", "behaviour", "freeze() with one layer group: AssertionError",
           "silently freezes nothing", "a model you meant to freeze trains entirely",
           "a splitter with at least two groups; check len(learn.opt.param_lists)", "Learner.freeze",
           (), (), ("tests/test_freeze.py::test_freeze_on_one_layer_group_raises_assertion_error",
                    "tests/test_isolation.py::test_native_vision_learner_keeps_fastai2_numbers")),
    Change("behaviour.layer_groups", "behaviour", "learn.layer_groups: lists of leaf layers; learn.split(...)",
           "parameter groups from a splitter; no layer_groups",
           "AttributeError: 'Sequential' object has no attribute 'layer_groups'", "learn.splitter(learn.model): "
           "the parameters of each group",
           "Learner.layer_groups", (Ref(_L_V1, "layer_groups", None),), (Ref(_L_V2, "splitter"),),
           ("tests/test_freeze.py::test_resnet18_layer_groups_as_in_reference_notebook",)),
    Change("behaviour.squeezenet_groups", "behaviour", "squeezenet: 4 layer groups", "3 parameter groups",
           "slice(lo, hi) learning rates land on other layers",
           "splitter=lambda m: [params(m[0][0][:5]), params(m[0][0][5:8]), params(m[0][0][8:]), params(m[1])]", "cnn_learner", (), (),
           ("tests/test_architectures.py::test_squeezenet_has_four_layer_groups_as_in_v1",)),
    Change("behaviour.vgg_alexnet_cut", "behaviour", "vgg*_bn / alexnet bodies keep the adaptive avgpool (cut=-1)",
           "cut=-2 drops it", "another forward for 5x5 and 7x7-or-larger feature maps (192 px, 256 px and up)",
           "create_vision_model(arch, n_out, cut=-1, ...) passed to Learner (vision_learner does not pass cut on)", "cnn_learner", (), (),
           ("tests/test_architectures.py::test_architecture_matches_real_v1",)),
    Change("behaviour.mobilenet_v2", "behaviour", "mobilenet_v2 in model_meta (1.0.61): cut -1, 3 groups",
           "not in model_meta: no cut found (StopIteration) without an explicit cut",
           "vision_learner(dls, mobilenet_v2) raises StopIteration",
           "create_vision_model(mobilenet_v2, n_out, cut=-1, custom_head=...) with v1's 3-group splitter", "cnn_learner", (), (),
           ("tests/test_architectures.py::test_architecture_matches_real_v1",)),
    Change("behaviour.frozen_in_optimizer", "behaviour", "the optimizer holds only trainable parameters",
           "holds all; frozen parameters with stale gradients are still weight-decayed", "frozen weights shrink",
           "after freeze(): p.grad = None for every parameter that does not require grad", "Learner.freeze_to", (), (),
           ("tests/test_freeze.py::test_frozen_weights_are_not_updated_after_unfreeze_fit_freeze",)),
    Change("behaviour.summary", "behaviour", "summary(): one row per layer, batch of one, [1, 64, 64, 64]",
           "summary(): grouped by output shape, whole batch, no thousands separators", "other text",
           "no v1 layout in fastai 2; with v1's head its totals are v1's",
           "Learner.summary", (Ref("fastai.callbacks.hooks:model_summary", "m"),),
           (Ref("fastai.callback.hook:module_summary"),),
           ("tests/test_summary.py::test_summary_reproduces_the_reference_notebook_row_for_row",)),
    Change("behaviour.checkpoint", "behaviour", "save(): torch optimizer state with slice/np.float64 values",
           "load() uses weights_only=True: v1 files with optimizer state are refused",
           "UnpicklingError: ... Unsupported global: GLOBAL slice (fastai 2.7: builtins.slice; after a fit under "
           "numpy 1: numpy.core.multiarray.scalar)", "torch.load(file, weights_only=True) inside "
           "torch.serialization.safe_globals([slice, np.dtype, numpy's scalar, ...]), then "
           "model.load_state_dict(state['model'])", "Learner.load",
           (Ref(_L_V1 + ".save", "with_opt", True),), (Ref(_L_V2 + ".load", "with_opt", True),),
           ("tests/test_checkpoint.py::test_v1_checkpoint_gives_v1s_logits",)),
    Change("behaviour.random_split", "behaviour", "valid_pct split: numpy global RNG, train indices sorted",
           "torch RNG, permutation order", "other files in the validation set for the same seed",
           "IndexSplitter(v1's indices)", "ImageDataBunch",
           (Ref("fastai.data_block:ItemList.split_by_rand_pct", "seed", None),),
           (Ref("fastai.data.transforms:RandomSplitter", "seed", None),),
           ("tests/test_data.py::test_notebook_cell_splits_like_v1",)),
    Change("behaviour.factory_batches", "behaviour",
           "ImageDataBunch.from_*(...) after torch.manual_seed(s): v1's data block chain; the training batches "
           "drawn by torch's RandomSampler, after the one seed the factory's sanity check drew",
           "ImageDataLoaders.from_*(...): batches shuffled by the loader's random.Random, seeded from Python's "
           "random when the loader is built",
           "the same torch.manual_seed gives other training batches, so a seeded v1 notebook trains on another "
           "order (and gets other losses)",
           "a TfmdDL subclass whose get_idxs returns list(RandomSampler(range(n))), after list(RandomSampler("
           "range(n))) once for the sanity check", "ImageDataBunch",
           (Ref("fastai.vision.data:ImageDataBunch.create_from_ll", "no_check", False),),
           (Ref("fastai.data.load:DataLoader", "shuffle", False),),
           ("tests/test_v1_factory.py::test_batches_under_torch_manual_seed_are_v1s",)),
    Change("behaviour.torch_optimizer_wd", "behaviour",
           "a torch opt_func (partial(optim.SGD, momentum=0.9), optim.Adam): weight decay decoupled (true_wd=True), "
           "p *= 1 - lr*wd before the step; with true_wd=False L2, BatchNorm/bias left out when bn_wd=False",
           "OptimWrapper hands wd to torch as weight_decay: L2 in the gradient of every parameter",
           "other weights with momentum or Adam: 9e-4 after two SGD-momentum batches",
           "fastai 2's own optimizer: opt_func=partial(SGD, mom=0.9), wd=1e-2, wd_bn_bias=True", "Learner",
           (Ref(_L_V1, "true_wd", True),), (Ref("fastai.optimizer:OptimWrapper", "hp_map", None),),
           ("tests/test_torch_optimizers.py::test_torch_optimizer_weight_decay_is_v1s",)),
    Change("behaviour.lr_find", "behaviour", "lr_find() returns None; recorder.plot(suggestion=True)",
           "lr_find() returns SuggestedLRs and plots",
           "code expecting None and recorder.plot() breaks; fastai 2 raises num_it below 6 to 6",
           "lr_find(start_lr=1e-7, end_lr=10, num_it=100, show_plot=False), then recorder.plot_lr_find()", "Learner.lr_find",
           (Ref(_L_V1 + ".lr_find", "start_lr", 1e-7),), (Ref(_L_V2 + ".lr_find", "start_lr", 1e-7),),
           ("tests/test_recorder.py::test_lr_find_returns_none_prints_v1s_hint_and_restores_the_weights",)),
    # -- what a notebook prints
    Change("behaviour.flatten_repr", "behaviour", "Flatten() prints `Flatten()` (the head of cnn_learner)",
           "Flatten() prints `Flatten(full=False)`", "a printed model differs; the same computation, no parameters",
           "a Flatten subclass whose __repr__ returns 'Flatten()'", "Flatten",
           (Ref("fastai.layers:Flatten", "full", False),), (Ref("fastai.layers:Flatten", "full", False),),
           ("tests/test_printing.py::test_flatten_prints_and_flattens_as_v1s",)),
    Change("behaviour.learner_repr", "behaviour",
           "repr(learn): `Learner(data=..., model=..., opt_func=..., ..., silent=False)` (a dataclass)",
           "repr(learn): `<fastai.learner.Learner object at 0x...>`", "printing the learner shows nothing of it",
           "print learn.dls, learn.model, learn.opt_func, learn.loss_func, ... yourself", "Learner",
           (Ref(_L_V1, "add_time", True),), (Ref(_L_V2, attr="__repr__", value=object.__repr__),),
           ("tests/test_printing.py::test_learner_repr_is_v1s_field_by_field",)),
    Change("behaviour.int_classes", "behaviour", "data.classes of an int64 label column: `[0, 1]` (Python ints)",
           "dls.vocab of an int64 label column: `[np.int64(0), np.int64(1)]` (numpy 2 prints the type)",
           "the classes print differently (and are numpy ints)",
           "df[label_col] = df[label_col].astype(object) before ImageDataLoaders.from_df", "ImageDataBunch",
           (Ref("fastai.data_block:ItemList.label_from_df", "cols", 1),),
           (Ref("fastai.data.transforms:CategoryMap", "sort", True),),
           ("tests/test_printing.py::test_integer_classes_print_as_v1s",)),
    # -- distributed training (issue 14)
    Change("name.to_distributed", "name", "learn.to_distributed(cuda_id) under `python -m fastai.launch`",
           "with learn.distrib_ctx(): ... under `accelerate launch` / torchrun",
           "fastai 2's to_distributed(sync_bn=True, **accelerate_kwargs) needs Accelerate and NCCL, converts "
           "BatchNorm to SyncBatchNorm (a new model: v1's layer_groups would point at the old one) and "
           "importing fastai.distributed patches fastai's Learner",
           "torchrun --nproc_per_node=N script.py with `learn.to_distributed(sync_bn=False)`", "Learner.to_distributed",
           (), (), ("tests/test_distributed.py::test_ranks_stay_identical_and_freeze_holds_on_each",)),
    Change("behaviour.distributed_shares", "behaviour",
           "each rank loads OurDistributedSampler's strided share of torch.randperm seeded with the epoch; "
           "each rank validates its own share (DistributedRecorder files, read_metrics averages them)",
           "rank 0's shuffled order is broadcast and cut into contiguous shares; get_preds / validate gather "
           "every rank's batches",
           "other batches per step than v1's (the same global gradient averaging); metrics over the whole "
           "validation set on every rank", "the package's DistributedTrainer (v1's wrapping, fastai 2's shares)",
           "Learner.to_distributed", (), (),
           ("tests/test_distributed.py::test_shuffle_is_shared_each_rank_gets_its_share",
            "tests/test_distributed.py::test_equals_one_process_on_the_same_global_batches")),
    # -- the data block API (ItemList, LabelLists, DataBunch) --------------------------------------------
    Change("name.DataBunch", "name", "DataBunch.create(train_ds, valid_ds, bs=64)",
           "DataLoaders.from_dsets(train_ds, valid_ds, bs=64)",
           "fastai 2's loaders collate with fa_collate (v1: the items' .data, data_collate), apply after_batch "
           "Pipelines instead of dl_tfms callables, and have no fix_dl / single_dl / one_item / sanity check",
           "DataLoaders.from_dsets with create_batch=data_collate and a RandomSampler shuffle (see "
           "behaviour.shuffle_rng)", "DataBunch",
           (Ref("fastai.basic_data:DataBunch.create", "bs", 64),), (Ref("fastai.data.core:DataLoaders.from_dsets", "bs", 64),),
           ("tests/test_v1_data_block.py::test_databunch_is_a_fastai2_dataloaders_and_a_learner_trains_on_it",)),
    Change("name.ItemList", "name",
           "ImageList.from_folder(path).split_by_rand_pct(0.2).label_from_folder().transform(tfms, size=...).databunch()",
           "DataBlock(blocks=(ImageBlock, CategoryBlock), get_items=get_image_files, splitter=RandomSplitter(0.2), "
           "get_y=parent_label, item_tfms=..., batch_tfms=...).dataloaders(path)",
           "v1's chain is gone; fastai 2's RandomSplitter draws the split from torch's generator (v1: NumPy's "
           "np.random.permutation), so the same seed gives other validation items",
           "a DataBlock with IndexSplitter on v1's np.random.permutation of the items", "ItemList",
           (Ref("fastai.data_block:ItemList.split_by_rand_pct", "valid_pct", 0.2),),
           (Ref("fastai.data.transforms:RandomSplitter", "valid_pct", 0.2),),
           ("tests/test_v1_data_block.py::test_split_gives_v1s_items",)),
    Change("behaviour.shuffle_rng", "behaviour",
           "training batches shuffled by torch's RandomSampler: torch.manual_seed(s) fixes the batch order",
           "DataLoader(shuffle=True) shuffles with its own random.Random, seeded from Python's random",
           "the same torch.manual_seed gives other batches (and fastai 2's order follows random.seed instead)",
           "a DataLoader subclass whose get_idxs returns list(RandomSampler(range(n)))", "DataBunch",
           (Ref("fastai.basic_data:DataBunch.create", "num_workers"),), (Ref("fastai.data.load:DataLoader", "shuffle", False),),
           ("tests/test_v1_data_block.py::test_batch_order_under_torch_manual_seed_is_v1s",)),
    # -- v1's image objects and transforms (_v2/vision/image.py, _v2/vision/transform.py) --
    Change("behaviour.open_image_16bit", "behaviour",
           "open_image(fn) of a 16-bit PNG: convert('RGB') saturates every value above 255 to 1.0",
           "PILImage.create(fn) of a 16-bit PNG: the same saturation (PIL's convert)",
           "the package scales a 16-bit image to [0, 1] (value / 65535) and keeps its values with div=False "
           "(open_mask); real v1 gave an almost white image",
           "PILImage.create(PIL.Image.fromarray((np.array(PIL.Image.open(fn)) / 257).astype(np.uint8)))",
           "open_image", (Ref("fastai.vision.image:open_image", "convert_mode", "RGB"),),
           (Ref("fastai.vision.core:PILBase.create", "fn"),),
           ("tests/test_v1_image.py::test_bad_images",)),
    Change("behaviour.warp_solve", "behaviour",
           "symmetric_warp / perspective_warp / skew / tilt (get_transforms' max_warp) solve with torch.solve",
           "torch.solve removed (torch >= 1.9): real fastai 1.0.61 crashes on every warp",
           "the package's port solves with torch.linalg.solve (the same solution; pixels match 1.0.48's recording)",
           "SymmetricWarp in fastai_freeze_compat, or fastai 2's Warp (2 magnitudes, each with its own p)",
           "symmetric_warp", (Ref("fastai.vision.transform:_find_coeffs", "orig_pts"),), (),
           ("tests/test_v1_image.py::test_deterministic_transforms_give_v1s_pixels",)),
    # data block examples / unet (dblock helper)
    Change("name.unet_learner", "name", "unet_learner(data, arch, pretrained=True, norm_type=None, ...)",
           "unet_learner(dls, arch, n_out=None, normalize=True, ...)",
           "fastai 2's unet_learner builds fastai 2's DynamicUnet (its ConvLayer, ResBlock and PixelShuffle_ICNR: "
           "resnet18's parameter count is v1's, but the module tree, state_dict keys (shuf.0.0 for v1's "
           "shuf.conv.0) and random init differ, so v1 weights do not load), adds Normalize to dls, and splits "
           "into fastai 2's parameter groups",
           "Learner(dls, fastai_freeze_compat's DynamicUnet(create_body(...), n_classes, img_size)) split at "
           "(body[6], model[1]) as v1 did",
           "unet_learner", (Ref("fastai.vision.learner:unet_learner", "norm_type", None, since=">=1.0.61"),),
           (Ref("fastai.vision.learner:unet_learner", "n_out", None),),
           ("tests/test_v1_unet.py::test_unet_is_v1s",)),
    Change("name.DynamicUnet", "name", "models.unet.DynamicUnet(encoder, n_classes, img_size=(256, 256), ...)",
           "DynamicUnet(encoder, n_out, img_size, ...) (fastai.vision.models.unet)",
           "fastai 2's DynamicUnet needs img_size, names n_classes n_out, and is built from fastai 2's layers "
           "(BatchNorm after ReLU in v1's conv_layer, before it in ConvLayer): other state_dict keys and init",
           "fastai_freeze_compat.vision.models.unet.DynamicUnet (v1's layers)",
           "models.unet.DynamicUnet", (Ref("fastai.vision.models.unet:DynamicUnet", "n_classes", since=">=1.0.61"),
                           Ref("fastai.vision.models.unet:DynamicUnet", "img_size", (256, 256), since=">=1.0.61")),
           (Ref("fastai.vision.models.unet:DynamicUnet", "n_out"),),
           ("tests/test_v1_unet.py::test_unet_is_v1s",)),
    Change("behaviour.rand_tfm_draws", "behaviour",
           "get_transforms(): RandTransforms drawing p and their arguments per item from Python's random, "
           "applied to the image and (tfm_y=True) to its points or mask",
           "aug_transforms(): batch transforms drawing from torch on the device",
           "random.seed / torch.manual_seed give other augmentations, other batches and other targets",
           "the package's get_transforms() and DataBunch (v1's draws per item, random.seed(k) gives v1's)",
           "get_transforms", (Ref("fastai.vision.image:RandTransform", "p", 1.0),
                              Ref("fastai.vision.image:RandTransform", "use_on_y", True, since=">=1.0.61")),
           (Ref("fastai.vision.augment:RandTransform", "p", 1.0),),
           ("tests/test_v1_tfm_batches.py::test_seeded_draws_give_v1s_transforms_and_pixels",
            "tests/test_v1_tfm_batches.py::test_tfm_y_items_and_batches_are_v1s")),
    # -- metrics / callbacks (metrics helper) -----------------------------------------------------------
    Change("behaviour.metric_callbacks", "behaviour",
           "metrics=[Precision(), Recall(), FBeta(average='macro'), KappaScore(weights='quadratic'), MatthewsCorreff(), "
           "AUROC(), MultiLabelFbeta(), R2Score(), RMSE(), ...]: v1 Callbacks over the validation set; columns "
           "precision, recall, f_beta, kappa_score, matthews_correff, auroc, multi_label_fbeta, r2_score, rmse",
           "Precision(), Recall(), FBeta(beta, average='binary'), CohenKappa(weights=...), MatthewsCorrCoef(), RocAucBinary(), "
           "R2Score(), rmse: sklearn-based AccumMetrics; columns precision_score, fbeta_score, cohen_kappa_score, "
           "matthews_corrcoef, roc_auc_score, r2_score, _rmse",
           "other column names; v1's FBeta / Precision / Recall on more than two classes with the default "
           "average='binary' warned and used 'macro' (fastai 2's sklearn raises), average=None added one value per "
           "class to the row; v1's confusion matrix ignored sklearn's label handling",
           "the package's classes (fastai_freeze_compat.metrics), or fastai 2's with average='macro' and "
           "AvgMetric names set by hand", "FBeta",
           (Ref("fastai.metrics:FBeta", "average", "binary"), Ref("fastai.metrics:FBeta", "beta", 2)),
           (Ref("fastai.metrics:FBeta", "average", "binary"), Ref("fastai.metrics:FBeta", "beta")),
           ("tests/test_v1_metric_classes.py::test_metric_class_gives_v1s_values",
            "tests/test_v1_metric_classes.py::test_recorder_names_are_v1s")),
    Change("behaviour.kappa_unweighted", "behaviour",
           "KappaScore() (weights=None): fastai 1.0.61 raises AttributeError ('KappaScore' object has no attribute "
           "'x'); 1.0.48 gave Cohen's kappa", "CohenKappa() (sklearn's cohen_kappa_score)",
           "the package computes 1.0.48's unweighted kappa (1.0.61 crashed at the first validation)",
           "CohenKappa() (the same unweighted kappa, named cohen_kappa_score)", "KappaScore",
           (Ref("fastai.metrics:KappaScore", "weights", None),), (Ref("fastai.metrics:CohenKappa", "weights", None),),
           ("tests/test_v1_metric_classes.py::test_metric_class_gives_v1s_values",)),
    Change("behaviour.mixup", "behaviour",
           "learn.mixup(alpha=0.4) / MixUpCallback(learn, alpha, stack_x, stack_y): per sample max(l, 1-l) with "
           "l ~ np.random.beta(alpha, alpha), a torch.randperm partner, inputs mixed, MixUpLoss on the stacked targets",
           "cbs=MixUp(alpha=0.4): l drawn from torch's Beta distribution, the loss of both targets interpolated",
           "other λ under the same seeds (NumPy's generator vs torch's), no stack_x / stack_y, the learner's loss "
           "function is not replaced", "the package's MixUpCallback (v1's draws), or np.random.seed as well as torch's "
           "before a fastai 2 MixUp fit (other numbers)", "MixUpCallback",
           (Ref("fastai.callbacks.mixup:MixUpCallback", "alpha", 0.4), Ref("fastai.train:mixup", "stack_y", True)),
           (Ref("fastai.callback.mixup:MixUp", "alpha", 0.4),), ("tests/test_v1_callbacks.py::test_mixup_is_v1s",)),
    Change("behaviour.terminate_on_nan", "behaviour",
           "callbacks=[TerminateOnNaNCallback()]: a NaN training loss prints 'Epoch/Batch (e/b): Invalid loss, "
           "terminating training.', finishes that batch (its update too), skips validation and stops the fit",
           "cbs=TerminateOnNaNCallback(): a NaN or infinite loss cancels the fit after that batch, silently",
           "fastai 2 also stops on inf and prints nothing; without the callback the package stops a fit on a non-finite "
           "loss with a FloatingPointError before the update (StopOnNonFiniteLoss), which the v1 callback replaces",
           "fastai 2's TerminateOnNaNCallback (no message, no validation row)", "TerminateOnNaNCallback",
           (Ref("fastai.callbacks.tracker:TerminateOnNaNCallback.on_batch_end", "last_loss"),),
           (Ref("fastai.callback.tracker:TerminateOnNaNCallback.after_batch"),),
           ("tests/test_v1_callbacks.py::test_terminate_on_nan_is_v1s",)),
    Change("name.OptimWrapper", "name", "learn.opt.lr, learn.opt.mom, learn.opt.beta, learn.opt.wd (OptimWrapper)",
           "learn.opt.hypers[-1]['lr'] / ['mom'] / ['sqr_mom'] / ['wd'], learn.opt.set_hyper('lr', v)",
           "fastai 2's Optimizer has no lr / mom / beta / wd properties: one dict of hyper-parameters per parameter "
           "group (Adam's betas are mom and sqr_mom)", "learn.opt.hypers[-1]['lr'] and learn.opt.set_hyper",
           "OptimWrapper", (Ref("fastai.callback:OptimWrapper.create", "wd", 0.),),
           (Ref("fastai.optimizer:Optimizer.set_hyper", "k"),), ("tests/test_v1_callbacks.py::test_loop_is_v1s",)),
    Change("behaviour.callback_loop", "behaviour",
           "a v1 Callback's on_* methods: fit(callbacks=cb) with one callback, on_train_end(exception=e) after an "
           "exception, {'skip_zero': True} keeps the gradients, exceptions reach the caller unchanged",
           "a fastai 2 Callback's before_* / after_* methods: after_fit is not called after an exception, the "
           "gradients are zeroed after every step, a callback's exception message is rewritten ('Exception occured "
           "in `Cb` when calling event ...')",
           "v1 callbacks must be rewritten for fastai 2's events; cleanup in on_train_end does not run after an error",
           "a fastai 2 Callback with after_cancel_fit / a try-finally around fit; gradient accumulation: "
           "GradientAccumulation(n_acc)", "Callback",
           (Ref("fastai.basic_train:Learner.fit", "callbacks", None),), (Ref("fastai.learner:Learner.fit", "cbs", None),),
           ("tests/test_v1_callbacks.py::test_loop_is_v1s", "tests/test_v1_callbacks.py::test_single_callback_and_callback_fns_class")),
    # inference (preds helper): _v2/_predict.py, _v2/train.py
    Change("behaviour.predict", "behaviour",
           "learn.predict(img) of a v1 Image (open_image(fn), data.valid_ds[i][0]): (Category, tensor(idx), probs), "
           "the image through the validation transforms (data.one_item)",
           "learn.predict(item) of a raw item (a file name, a PILImage) through dls.test_dl: (decoded, tensor(idx), "
           "probs), decoded the class name; a v1 Image has none of fastai 2's types",
           "fastai 2's refuses a v1 Image, and returns the label as a string, not a v1 Category (nor MultiCategory, "
           "FloatItem): v1 code reading `pred_class.obj` / `str(pred_class)` breaks",
           "learn.predict(PILImage.create(fn)), then learn.dls.vocab[idx] for the class",
           "Learner.predict", (Ref("fastai.basic_train:Learner.predict", "item"),),
           (Ref("fastai.learner:Learner.predict", "item"),), ("tests/test_v1_predict.py::test_inference_is_v1s",)),
    Change("behaviour.get_preds", "behaviour",
           "learn.get_preds(ds_type=DatasetType.Valid, activ=None, with_loss=False, n_batch=None) -> [preds, targets"
           "(, losses)], on the loader in its order (DatasetType.Train: shuffled, drop_last)",
           "learn.get_preds(ds_idx=1, dl=None, with_input=False, with_decoded=False, with_loss=False, act=None, "
           "reorder=True) -> a tuple, dataset order, drop_last undone",
           "another signature (a DatasetType is not an index), a tuple for v1's list, no n_batch, and losses per item "
           "(a multi-label loss averaged over the labels, v1 kept one per label); validate returns floats for v1's "
           "[loss, tensor(metric), ...]",
           "learn.get_preds(dl=learn.dls.valid, reorder=False, act=...), losses recomputed with "
           "loss_func(preds, targs, reduction='none') on the raw outputs",
           "Learner.get_preds", (Ref("fastai.basic_train:Learner.get_preds", "ds_type"),),
           (Ref("fastai.learner:Learner.get_preds", "ds_idx", 1), Ref("fastai.learner:Learner.validate", "ds_idx", 1)),
           ("tests/test_v1_predict.py::test_inference_is_v1s",
            "tests/test_v1_predict.py::test_fastai2_calls_stay_fastai2s")),
    Change("behaviour.tta", "behaviour",
           "learn.TTA(beta=0.4, scale=1.35, ds_type=DatasetType.Valid): 8 passes (zoom by `scale` at the 4 corners, "
           "each also flipped), averaged, blended 0.4 plain + 0.6 augmented",
           "learn.tta(ds_idx=1, dl=None, n=4, item_tfms=None, batch_tfms=None, beta=0.25): n passes of the training "
           "augmentations, blended 0.25 augmented + 0.75 plain",
           "other passes (random training augmentations, not v1's deterministic corner zooms) and the blend the "
           "other way round: other predictions",
           "average the outputs of 8 copies of the validation loader with Zoom(scale) at the corners and Flip, "
           "then 0.4 * plain + 0.6 * mean",
           "Learner.TTA", (Ref("fastai.vision.tta:_TTA", "beta", 0.4), Ref("fastai.vision.tta:_TTA", "scale", 1.35)),
           (Ref("fastai.learner:Learner.tta", "beta", 0.25), Ref("fastai.learner:Learner.tta", "n", 4)),
           ("tests/test_v1_predict.py::test_inference_is_v1s",)),
    Change("behaviour.interpretation", "behaviour",
           "ClassificationInterpretation.from_learner(learn, ds_type=DatasetType.Valid) (fastai.train); "
           "confusion_matrix(slice_size=1), most_confused(min_val=1, slice_size=1), learn.interpret()",
           "ClassificationInterpretation.from_learner(learn, ds_idx=1, dl=None, act=None) (fastai.interpret); "
           "most_confused(min_val=1), no learn.interpret()",
           "moved to fastai.interpret, DatasetType replaced by an index; fastai 2's top_losses (items=...) and "
           "plot_top_losses (decoded titles) differ; v1's MultiLabelClassificationInterpretation only raised "
           "NotImplementedError",
           "fastai.interpret.ClassificationInterpretation.from_learner(learn)",
           "ClassificationInterpretation",
           (Ref("fastai.train:ClassificationInterpretation.from_learner", "ds_type"),
            Ref("fastai.train:ClassificationInterpretation.most_confused", "slice_size", 1)),
           (Ref("fastai.interpret:ClassificationInterpretation.from_learner", "ds_idx", 1),),
           ("tests/test_v1_predict.py::test_inference_is_v1s",
            "tests/test_v1_predict.py::test_show_results_and_plots_draw_v1s_figures")),
    Change("behaviour.destroy_purge", "behaviour",
           "learn.destroy() (an empty shell: every attribute prints 'this object has been destroyed'), "
           "learn.purge(clear_opt=True) (frees the cached state and the optimizer)",
           "no Learner.destroy / Learner.purge: AttributeError",
           "fastai 2 has neither: `del learn; gc.collect()` frees the memory",
           "del learn; gc.collect(); torch.cuda.empty_cache()",
           "Learner.destroy", (Ref("fastai.basic_train:Learner.destroy"), Ref("fastai.basic_train:Learner.purge",
                                                                             "clear_opt", True)), (),
           ("tests/test_v1_predict.py::test_destroy_leaves_v1s_zombie",
            "tests/test_v1_predict.py::test_purge_keeps_the_model_and_drops_the_optimizer")),
    # export / load_learner: _v2/_export.py, _v2/_v1_unpickle.py, _export_policy.py
    Change("behaviour.export_load_learner", "behaviour",
           "learn.export(file='export.pkl') pickles v1's state (opt_func, loss_func, metrics, ..., the model, the "
           "validation set's LabelList state, cls); load_learner(path, file='export.pkl', test=None, **db_kwargs) "
           "unpickles it (any code the file names runs) into an empty data block DataBunch",
           "learn.export(fname='export.pkl') pickles the whole Learner (dls emptied); load_learner(fname, cpu=True) "
           "unpickles it: a path to the file, not a folder",
           "fastai 2 cannot read a v1 export at all (it names fastai v1's classes: ModuleNotFoundError / "
           "AttributeError), and takes the file's path; v1 and fastai 2 alike run whatever the pickle names. The "
           "package reads v1's files and its own through a restricted unpickler that maps v1's classes to the "
           "package's and refuses anything else by name, before anything runs",
           "none: re-train on fastai 2, or load v1's weights with the package (`learn.load`) and `learn.export()` "
           "there; load only exports from a source you trust",
           "load_learner", (Ref("fastai.basic_train:load_learner", "test", None),
                            Ref("fastai.basic_train:load_learner", "file", "export.pkl", since=">=1.0.61"),
                            Ref("fastai.basic_train:Learner.export", "file", "export.pkl", since=">=1.0.61")),
           (Ref("fastai.learner:load_learner", "fname"), Ref("fastai.learner:Learner.export", "fname", "export.pkl")),
           ("tests/test_v1_export.py::test_real_v1_export_loads_and_predicts_v1s_values",
            "tests/test_v1_export.py::test_an_export_naming_other_code_is_refused_before_anything_runs")),
    # upgrade (upgrade helper)
    Change("behaviour.normalize_call", "behaviour", "data.normalize(stats): adds Normalize to the DataBunch, returns it",
           "batch_tfms=[..., Normalize.from_stats(*stats)] (DataLoaders have no normalize())",
           "AttributeError: 'DataLoaders' object has no attribute 'normalize'; upgrade folds it into the factory's "
           "batch_tfms, or writes dls.add_tfms([Normalize.from_stats(*stats)], 'after_batch') (which returns None)",
           "ImageDataLoaders.from_folder(path, ..., batch_tfms=[*aug_transforms(), Normalize.from_stats(*imagenet_stats)])",
           "ImageDataBunch", (Ref("fastai.vision.data:ImageDataBunch.normalize", "stats", None),),
           (Ref("fastai.data.core:DataLoaders.add_tfms", "event"), Ref("fastai.data.transforms:Normalize.from_stats", "mean")),
           ("tests/test_upgrade.py::test_factories_become_image_dataloaders",)),
    Change("behaviour.layer_groups_rewrite", "behaviour",
           "learn.layer_groups of cnn_learner: v1's split of the flattened model (resnet: 26 / 24 / 10 layers)",
           "no layer_groups; the same modules are slices of learn.model for resnet and densenet",
           "upgrade writes [nn.Sequential(*flatten_model(g)) for g in (learn.model[0][:6], learn.model[0][6:], "
           "learn.model[1])] for resnet (densenet: model[0][0][:7] / [7:]); other architectures are an ERROR",
           "[nn.Sequential(*flatten_model(g)) for g in (learn.model[0][:6], learn.model[0][6:], learn.model[1])]",
           "Learner.layer_groups", (Ref("fastai.torch_core:flatten_model"),), (Ref("fastai.layers:flatten_model"),),
           ("tests/test_upgrade.py::test_upgraded_seedlings_notebook_runs_on_native_fastai_2",)),
)


def by_key(key):
    "The change with `key`."
    for c in CHANGES:
        if c.key == key: return c
    raise KeyError(f"no change named {key!r}; known: {', '.join(c.key for c in CHANGES)}")


def by_kind(kind):
    "The changes of one kind: 'name', 'keyword', 'default' or 'behaviour'."
    return [c for c in CHANGES if c.kind == kind]


_IDENT = re.compile(r"(?:learn\.|recorder\.|fastai(?:\.\w+)*\.)?(\w+)")


def _selected(kind, rewrite):
    return [c for c in by_kind(kind) if rewrite is None or c.rewrite == rewrite]


def _v1_name(c):
    "The v1 name an entry renames: its key's last part, or the class of a factory (`name.ImageDataBunch.from_df`)."
    parts = c.key.split(".")[1:]
    return parts[0] if len(parts) > 1 and parts[0][:1].isupper() else parts[-1]


def renamed_names(rewrite=None):
    "v1 name -> fastai 2 name, for renamed or moved APIs (`rewrite=True`: only those `upgrade` renames)."
    return {_v1_name(c): _IDENT.match(c.v2).group(1) for c in _selected("name", rewrite)}


def renamed_keywords(rewrite=None):
    """(function, v1 keyword) -> fastai 2 keyword, from the `keyword` entries with checkable refs
    (`rewrite=True`: only those `upgrade` renames)."""
    res = {}
    for c in _selected("keyword", rewrite):
        for r1, r2 in zip(c.refs_v1, c.refs_v2):
            if r1.param and r2.param and r1.param != r2.param:
                res[(r1.target.split(":")[1].split(".")[-1], r1.param)] = r2.param
    return res
