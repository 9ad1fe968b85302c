"""What ``upgrade`` rewrites, as data (tf_upgrade_v2's spec dicts): the engine in ``upgrade.py`` applies these
to the syntax tree and never imports fastai. Renamed names and keywords come from the table of changes
(``changes.py``, entries marked ``rewrite``); the rest is declared here: per call its receiver, its new name,
keyword renames, refusals (ERROR: the call is left as it is) and warnings (other numbers on fastai 2), the
arguments ``--keep-v1-semantics`` adds, v1's ``ImageDataBunch`` factories and data block chains as the
``ImageDataLoaders`` / ``DataBlock`` arguments they map to, and v1's layer groups per architecture.

Templates are ``str.format`` strings over the call's arguments by v1's parameter names (``{m}``) and ``{F}``,
the prefix that spells a fastai name in the module's import style (empty after ``from fastai.vision.all
import *``, ``fv.`` after ``import fastai.vision.all as fv``).
"""
from .changes import renamed_keywords, renamed_names

__all__ = ["UPGRADE_MODULES", "SAME_PATH_MODULES", "NAME_RENAMES", "IMPORT_RENAMES", "CALLS", "ATTRIBUTES", "FACTORIES",
           "FACTORY_KWARGS", "TFMS_KWARGS", "CHAIN", "LAYER_GROUPS", "LAYER_GROUPS_EXPR", "LEARNER_KW", "HEAD_NF", "V1_HEAD", "KEEP_V1_LEARNER",
           "INSERTED_NAMES"]


def _keywords(function):
    "v1 keyword -> fastai 2 keyword for one v1 function, from the table (entries marked `rewrite`)."
    return {kw: new for (fn, kw), new in renamed_keywords(True).items() if fn == function}


#: v1 modules whose names fastai 2 has in ``fastai.vision.all`` (the import is rewritten)
UPGRADE_MODULES = {"fastai.vision": "fastai.vision.all", "fastai_freeze_compat": "fastai.vision.all",
                   "fastai_freeze_compat.vision": "fastai.vision.all"}
#: other v1 modules the import may name: left as they are (fastai 2 has them, or they are v1's package roots)
SAME_PATH_MODULES = {"fastai.metrics", "fastai.layers", "fastai.torch_core", "fastai.vision.models"}
KNOWN_V1_MODULES = {"fastai.vision.learner", "fastai.basic_train", "fastai.train", "fastai.basics"}
NAME_RENAMES = renamed_names(rewrite=True)          # cnn_learner -> vision_learner, ...
#: names a `from fastai.vision import ...` gets under fastai 2 (the calls of the others are rewritten)
IMPORT_RENAMES = dict(NAME_RENAMES, ImageDataBunch="ImageDataLoaders", get_transforms="aug_transforms",
                      ImageList="ImageBlock", ImageItemList="ImageBlock")

LEARNER_KW = _keywords("Learner")                  # bn_wd -> wd_bn_bias, callback_fns / callbacks -> cbs
#: cnn_learner's own keywords (data -> dls, base_arch -> arch) and the Learner keywords it passes on; v1
#: callbacks are other classes than fastai 2's, so for cnn_learner they are reported, not renamed
_CNN_KW = dict(_keywords("cnn_learner"), **{k: v for k, v in LEARNER_KW.items() if v != "cbs"})
_CNN = dict(
    rename="vision_learner", learner=True, arch=True, keywords=_CNN_KW,
    warn=["default.head_bias", "default.normalize"],
    refuse={"split_on": "kw.split_on", "true_wd": "kw.true_wd"},
    warn_kw={"callback_fns": "v1 callbacks are other classes; pass fastai 2 callbacks as cbs=",
             "callbacks": "v1 callbacks are other classes; pass fastai 2 callbacks as cbs=",
             "custom_head": "fastai 2's create_head doubles nf itself for concat pooling; v1 expected it doubled"},
    keep_v1="learner")

#: call name -> what to do with it. ``receiver``: ``learner`` (a name bound to a learner), ``recorder``
#: (``....recorder.f()``), ``method`` (any ``x.f()``), absent: any call of that name. ``rewrite``: a whole-call
#: template (``statement``: only where the call is a statement of its own, its value unused).
CALLS = {
    "cnn_learner": _CNN,
    "create_cnn": dict(_CNN, warn_as="create_cnn"),
    "create_cnn_model": dict(rename="create_vision_model", warn=["default.head_bias"]),
    "Learner": dict(learner=True, keywords=LEARNER_KW, warn=["default.adam_eps", "default.wd_bn_bias"],
                    refuse={"true_wd": "kw.true_wd", "layer_groups": "behaviour.layer_groups"}),
    "unet_learner": dict(learner=True),
    "fit_one_cycle": dict(keywords=_keywords("fit_one_cycle"), warn=["default.pct_start", "default.final_div"],
                          warn_if_no_lr="default.lr", lr_position=1, lr_keyword="max_lr",
                          refuse_text={k: "has no fastai 2 equivalent; remove it and schedule by hand"
                                       for k in ("tot_epochs", "start_epoch")},
                          tuple3="moms", keep_v1="one_cycle"),
    "fit": dict(receiver="method", keywords=_keywords("fit"), warn_if_no_lr="default.lr", lr_position=1,
                lr_keyword="lr"),
    "get_transforms": dict(warn=["name.get_transforms"]),
    "freeze": dict(receiver="method", warn=["behaviour.freeze_one_group", "default.train_bn_types"]),
    "split": dict(receiver="learner", refuse_call="kw.split_on"),
    "ImageDataBunch": dict(refuse_call="name.DataBunch"),
    "lr_find": dict(receiver="method", info=["behaviour.lr_find"]),
    "plot_losses": dict(receiver="method", rename="plot_loss"),
    "plot_lr": dict(receiver="recorder", rename="plot_sched"),
    "plot": dict(receiver="recorder", warn_text="recorder.plot() -> recorder.plot_lr_find(); lr_find() plots and "
                                                "returns its suggestions itself"),
    "load": dict(receiver="learner", warn=["behaviour.checkpoint"]),
    # the second half of a v1 notebook (inference): fastai 2 has other signatures and results, no rewrite keeps them
    "get_preds": dict(receiver="method", refuse={k: "behaviour.get_preds" for k in ("ds_type", "activ", "n_batch")},
                      refuse_positional="behaviour.get_preds"),
    "TTA": dict(receiver="method", refuse_call="behaviour.tta"),
    "interpret": dict(receiver="learner", refuse_call="behaviour.interpretation"),
    "destroy": dict(receiver="learner", refuse_call="behaviour.destroy_purge"),
    "purge": dict(receiver="learner", refuse_call="behaviour.destroy_purge"),
    "open_image": dict(refuse_call="behaviour.predict"),
    "load_learner": dict(refuse_call="behaviour.export_load_learner"),
    # v1's requires_grad(m, b) set the flag; fastai 2's only reads it
    "requires_grad": dict(args=["m", "b"], when="b", rewrite="{m}.requires_grad_({b})", statement=True,
                          change="name.requires_grad"),
    # a DataBunch's normalize(stats) after its factory: folded into the factory's batch_tfms; elsewhere
    "normalize": dict(receiver="data", args=["stats"], when="stats", statement=True, change="behaviour.normalize_call",
                      rewrite="{obj}.add_tfms([{F}Normalize.from_stats(*{stats})], 'after_batch')"),
}

#: attribute -> rewrite. ``receiver``: ``learner`` / ``alias`` (the fastai module alias); ``change``: its table key
ATTRIBUTES = {
    "data": dict(receiver="learner", rename="dls", change="name.data"),
    "__version__": dict(receiver="alias", rewrite="__import__('fastai').__version__"),
    "layer_groups": dict(receiver="any", special="layer_groups", change="behaviour.layer_groups"),
}

#: v1's factory -> (v1's parameters in order, keyword renames, how fastai 2's call starts). ``head``: the
#: fastai 2 positional arguments, by v1 name; the other v1 parameters become keywords.
FACTORIES = {
    "from_folder": dict(params=["path", "train", "valid", "valid_pct", "seed", "classes"], head=["path"],
                        keywords={"classes": "vocab"}, change="name.ImageDataBunch"),
    "from_df": dict(params=["path", "df", "folder", "label_delim", "valid_pct", "seed", "fn_col", "label_col",
                            "suffix"], head=["df"], keywords={"suffix": "suff"}, change="name.ImageDataBunch.from_df"),
    "from_csv": dict(params=["path", "folder", "label_delim", "csv_labels", "valid_pct", "seed", "fn_col",
                             "label_col", "suffix", "delimiter", "header"], head=["path"],
                     keywords={"csv_labels": "csv_fname", "suffix": "suff"}, change="name.ImageDataBunch.from_csv"),
    "from_lists": dict(params=["path", "fnames", "labels", "valid_pct", "seed"],
                       head=["path", "fnames", "labels"], change="name.ImageDataBunch.from_lists"),
    "from_name_func": dict(params=["path", "fnames", "label_func", "valid_pct", "seed"],
                           head=["path", "fnames", "label_func"], change="name.ImageDataBunch.from_name_func"),
    "from_name_re": dict(params=["path", "fnames", "pat", "valid_pct", "seed"], head=["path", "fnames", "pat"],
                         change="name.ImageDataBunch.from_name_re"),
}

#: the keywords v1's factories pass on to DataBunch.create / transform: ``pass`` as they are, ``drop`` with a
#: warning (the message), ``refuse`` (ERROR, with the reason); ``ds_tfms`` / ``size`` become item_tfms / batch_tfms
FACTORY_KWARGS = dict(
    passed={"bs", "val_bs", "num_workers", "device"},
    drop={"test": "fastai 2's DataLoaders hold no test set: make it where you predict, with "
                  "dls.test_dl(get_image_files(test_folder)); a test folder inside `path` is listed as training "
                  "data by fastai 2 (v1 1.0.61 left it out)"},
    refuse={"dl_tfms": "v1's dl_tfms are callables on a batch; fastai 2 takes Transforms in batch_tfms",
            "collate_fn": "fastai 2 collates with fa_collate; pass create_batch= to the DataLoaders yourself",
            "no_check": "fastai 2 has no sanity check to skip", "item_cls": "fastai 2 picks the ImageBlock's type",
            "resize_method": "v1's ResizeMethod: give fastai 2's Resize(size, method=...) in item_tfms by hand",
            "padding_mode": "give fastai 2's Resize(size, pad_mode=...) by hand", "mult": "no fastai 2 equivalent",
            "tfm_y": "fastai 2 transforms the targets by their type itself", "ds_tfms_y": "no fastai 2 equivalent"},
)
#: get_transforms' keywords that aug_transforms takes with the same name and meaning
TFMS_KWARGS = {"do_flip", "flip_vert", "max_rotate", "max_zoom", "max_lighting", "max_warp", "p_affine",
               "p_lighting"}

#: v1's data block chain -> DataBlock arguments. Each method: its v1 parameters in order and the DataBlock
#: keyword templates it sets (``source``: what .dataloaders() gets; ``df``: the source is a DataFrame).
CHAIN = dict(
    sources={
        "from_folder": dict(params=["path", "extensions", "recurse", "exclude", "include"],
                            only=["path"], set={"get_items": "{F}get_image_files", "source": "{path}"}),
        "from_csv": dict(params=["path", "csv_name", "cols", "delimiter", "header"], only=["path", "csv_name", "cols"],
                         defaults={"cols": "0"},
                         set={"source": "{F}pd.read_csv({F}Path({path})/{csv_name})",
                              "get_x": "{F}ColReader({cols}, pref={F}Path({path}){folder})"}, df=True),
        "from_df": dict(params=["df", "path", "cols"], defaults={"cols": "0", "path": "'.'"},
                        only=["df", "path", "cols"],
                        set={"source": "{df}", "get_x": "{F}ColReader({cols}, pref={F}Path({path}){folder})"}, df=True),
    },
    sources_folder_kw=["folder", "suffix"],          # from_csv / from_df: v1's folder and suffix, in ColReader
    splits={
        "split_by_rand_pct": dict(params=["valid_pct", "seed"], defaults={"valid_pct": "0.2", "seed": "None"},
                                  splitter="{F}RandomSplitter({valid_pct}, seed={seed})",
                                  keep_v1="lambda o: {F}IndexSplitter({seed_call}{F}np.random.permutation(len(o))"
                                          "[:int({valid_pct} * len(o))])(o)",
                                  warn="behaviour.random_split"),
        "split_by_folder": dict(params=["train", "valid"], defaults={"train": "'train'", "valid": "'valid'"},
                                splitter="{F}GrandparentSplitter(train_name={train}, valid_name={valid})"),
        "split_by_idx": dict(params=["valid_idx"], splitter="{F}IndexSplitter({valid_idx})"),
        "split_by_valid_func": dict(params=["func"], splitter="{F}FuncSplitter({func})"),
        "split_from_df": dict(params=["col"], defaults={"col": "2"}, splitter="{F}ColSplitter({col})", df=True),
    },
    labels={
        "label_from_folder": dict(params=[], get_y="{F}parent_label"),
        "label_from_func": dict(params=["func"], get_y="{func}"),
        "label_from_re": dict(params=["pat", "full_path"], defaults={"full_path": "False"},
                              get_y="{F}using_attr({F}RegexLabeller({pat}), 'name')",
                              get_y_full="{F}RegexLabeller({pat})"),
        "label_from_df": dict(params=["cols", "label_delim"], defaults={"cols": "1", "label_delim": "None"},
                              get_y="{F}ColReader({cols}, label_delim={label_delim})", df=True),
    },
    transform=dict(params=["tfms", "size"]),
    databunch=dict(params=["path", "bs", "val_bs", "num_workers"]),
    #: v1's other item lists: their chains have no DataBlock mapping here (an ERROR, never left silently)
    other_lists={"ItemList", "PointsItemList", "SegmentationItemList", "ObjectItemList", "ImageImageList",
                 "TextList", "TabularList", "FloatList", "CategoryList", "MultiCategoryList"},
    blocks="({F}ImageBlock, {F}CategoryBlock)", multi_blocks="({F}ImageBlock, {F}MultiCategoryBlock)",
)

#: v1's layer groups of cnn_learner per architecture, as slices of fastai 2's vision_learner model (``{m}``:
#: learn.model); the same modules where fastai 2 builds the same body (tests/test_upgrade.py compares resnet18,
#: resnet50 and densenet121 with v1's groups). Other architectures: no native rewrite (an ERROR).
LAYER_GROUPS = {
    "resnet18": ("{m}[0][:6]", "{m}[0][6:]", "{m}[1]"), "resnet34": ("{m}[0][:6]", "{m}[0][6:]", "{m}[1]"),
    "resnet50": ("{m}[0][:6]", "{m}[0][6:]", "{m}[1]"), "resnet101": ("{m}[0][:6]", "{m}[0][6:]", "{m}[1]"),
    "resnet152": ("{m}[0][:6]", "{m}[0][6:]", "{m}[1]"),
    "densenet121": ("{m}[0][0][:7]", "{m}[0][0][7:]", "{m}[1]"),
    "densenet169": ("{m}[0][0][:7]", "{m}[0][0][7:]", "{m}[1]"),
    "densenet201": ("{m}[0][0][:7]", "{m}[0][0][7:]", "{m}[1]"),
    "densenet161": ("{m}[0][0][:7]", "{m}[0][0][7:]", "{m}[1]"),
}
LAYER_GROUPS_EXPR = "[{F}nn.Sequential(*{F}flatten_model(g)) for g in ({groups})]"
#: features the head gets (after concat pooling) per architecture, for v1's head with biases
HEAD_NF = {"resnet18": 1024, "resnet34": 1024, "resnet50": 4096, "resnet101": 4096, "resnet152": 4096,
           "densenet121": 2048, "densenet169": 3328, "densenet201": 3840, "densenet161": 4416}
#: v1's cnn_learner head (bn_drop_lin: Linear layers with a bias), in fastai 2's modules
V1_HEAD = ("{F}nn.Sequential({F}AdaptiveConcatPool2d(), {F}Flatten(), {F}nn.BatchNorm1d({nf}), {F}nn.Dropout(0.25), "
           "{F}nn.Linear({nf}, 512), {F}nn.ReLU(inplace=True), {F}nn.BatchNorm1d(512), {F}nn.Dropout(0.5), "
           "{F}nn.Linear(512, {data}.c))")
#: the explicit vision_learner arguments that reproduce v1's optimizer and data handling
KEEP_V1_LEARNER = [("opt_func", "{F}partial({F}Adam, eps=1e-8)"), ("wd", "1e-2"), ("wd_bn_bias", "True"),
                   ("lr", "slice(3e-3)"), ("normalize", "False")]
#: names a rewrite may insert, which `from fastai.vision.all import *` / `import fastai.vision.all as fv` bring
INSERTED_NAMES = ["Adam", "AdaptiveConcatPool2d", "CategoryBlock", "ColReader", "ColSplitter", "DataBlock",
                  "Flatten", "FuncSplitter", "GrandparentSplitter", "ImageBlock", "ImageDataLoaders", "IndexSplitter",
                  "MultiCategoryBlock", "Normalize", "Path", "RandomSplitter", "RegexLabeller", "Resize",
                  "aug_transforms", "flatten_model", "get_image_files", "nn", "np", "parent_label", "partial", "pd",
                  "using_attr"]
