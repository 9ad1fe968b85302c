"""fastai v1's ``fastai/callbacks/tracker.py`` on fastai 2: ``SaveModelCallback`` and ``EarlyStoppingCallback``
with v1's constructor (the learner first) and v1's behaviour where it differed (file names, patience,
printed lines, a missing monitor only warns), built on fastai 2's ``tracker`` callbacks; ``TerminateOnNaNCallback``
is v1's own callback on the package's v1 ``Callback``. A fit given one runs without the package's
``StopOnNonFiniteLoss`` (``basic_train.Learner.fit``): v1's callback ends it quietly after the NaN batch.
"""
import os
from warnings import warn

import numpy as np
import torch
from fastai.callback.core import CancelFitException
from fastai.callback.tracker import EarlyStoppingCallback as _EarlyStoppingCallback
from fastai.callback.tracker import SaveModelCallback as _SaveModelCallback
from fastai.callback.tracker import TrackerCallback as _TrackerCallback

from ..callback import Callback, _LearnerCallback, v1_epoch

__all__ = ["SaveModelCallback", "EarlyStoppingCallback", "TerminateOnNaNCallback"]


class TerminateOnNaNCallback(Callback):
    "A `Callback` that terminates training if loss is NaN."

    def __init__(self):
        self.stop = False

    def on_batch_end(self, last_loss, epoch, num_batch, **kwargs):
        "Test if `last_loss` is NaN and interrupts training."
        if self.stop: return True  # to skip validation after stopping during training
        if torch.isnan(last_loss):
            print(f"Epoch/Batch ({epoch}/{num_batch}): Invalid loss, terminating training.")
            return {"stop_epoch": True, "stop_training": True, "skip_validate": True}

def _comp(cls, mode):
    "v1's `mode` ('auto', 'min', 'max') as fastai 2's `comp` (None: fastai 2's 'auto', the same rule)."
    if mode not in ("auto", "min", "max"):
        warn(f'{cls} mode {mode} is invalid, falling back to "auto" mode.')
        mode = "auto"
    return {"min": np.less, "max": np.greater}.get(mode)

def _non_finite(model):
    "The name of the first parameter or buffer of `model` holding a NaN or inf (None if all are finite)."
    for name, t in model.state_dict().items():
        if t.is_floating_point() and not bool(torch.isfinite(t).all()): return name
    return None

class _V1Tracker(_LearnerCallback):
    def before_fit(self):
        names = list(self.recorder.metric_names[1:])
        if self.monitor not in names and not hasattr(self, "lr_finder"):
            # fastai 2 asserts; v1 warned and tracked nothing.
            shown = names[:-1] if names and names[-1] == "time" else names
            warn(f"{self.__class__} conditioned on metric `{self.monitor}` which is not available. "
                 f"Available metrics are: {', '.join(map(str, shown))}")
            self.run = False
            return
        super().before_fit()

    def _v1_value(self):
        "The monitored value as v1 held it: numpy float32 for a loss, a 0-d tensor for a metric."
        return np.float32(self.best) if self.monitor in ("valid_loss", "train_loss") else torch.tensor(self.best)

class SaveModelCallback(_V1Tracker, _SaveModelCallback):
    "A `TrackerCallback` that saves the model when monitored quantity is best."
    def __init__(self, learn, monitor="valid_loss", mode="auto", every="improvement", name="bestmodel"):
        self._check_learn(learn)
        if every not in ("improvement", "epoch"):
            warn(f'SaveModel every {every} is invalid, falling back to "improvement".')
            every = "improvement"
        super().__init__(monitor=monitor, comp=_comp(self.__class__, mode), fname=name, every_epoch=every == "epoch")
        self.every, self.mode = every, mode

    def before_fit(self):
        self._saved_this_fit = False
        super().before_fit()

    def _save(self, name):
        # v1 saved NaN weights too (a diverged fit with `every='epoch'`), and a later `load` brought them back.
        bad = _non_finite(self.learn.model)
        if bad:
            warn(f"SaveModelCallback did not save {name}: the model's {bad} holds NaN or infinite values (the training "
                 "diverged); earlier checkpoints are left as they were. Lower the learning rate and fit again.")
            return
        # v1 saved with the optimizer state (`learn.save(name)`, with_opt=True).
        self.last_saved_path = self.learn.save(name)
        self._saved_this_fit = True

    def jump_to_epoch(self, epoch):
        try:
            self.learn.load(f"{self.fname}_{epoch-1}")
            print(f"Loaded {self.fname}_{epoch-1}")
        except Exception: print(f"Model {self.fname}_{epoch-1} not found.")

    def after_epoch(self):
        "Compare the value monitored to its best score and maybe save the model."
        epoch = v1_epoch(self.learn)
        if self.every_epoch: self._save(f"{self.fname}_{epoch}")
        else:
            _TrackerCallback.after_epoch(self)
            if self.new_best:
                print(f"Better model found at epoch {epoch} with {self.monitor} value: {self._v1_value()}.")
                self._save(f"{self.fname}")

    def after_fit(self, **kwargs):
        "Load the best model."
        # v1 loaded `{name}.pth` whenever it existed, also one left by an earlier fit when this one never improved
        # (e.g. its losses were NaN): only the file this fit saved is loaded back.
        if (not self.every_epoch and getattr(self, "_saved_this_fit", False)
                and os.path.isfile(self.path / self.model_dir / f"{self.fname}.pth")):
            self.learn.load(f"{self.fname}")

class EarlyStoppingCallback(_V1Tracker, _EarlyStoppingCallback):
    "A `TrackerCallback` that terminates training when monitored quantity stops improving."
    def __init__(self, learn, monitor="valid_loss", mode="auto", min_delta=0, patience=0):
        self._check_learn(learn)
        # v1 stopped when `wait > patience`; fastai 2 when `wait >= patience` (its default patience is 1).
        super().__init__(monitor=monitor, comp=_comp(self.__class__, mode), min_delta=min_delta, patience=patience)
        self.mode = mode

    def after_epoch(self):
        "Compare the value monitored to its best score and maybe stop training."
        _TrackerCallback.after_epoch(self)
        if self.new_best: self.wait = 0
        else:
            self.wait += 1
            if self.wait > self.patience:
                print(f"Epoch {v1_epoch(self.learn)}: early stopping")
                raise CancelFitException()
