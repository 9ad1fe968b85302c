"""fastai v1's ``fastai/callbacks/misc.py`` on fastai 2: ``StopAfterNBatches``, a v1 ``Callback`` (its dict
``{'stop_epoch': True, 'stop_training': True, 'skip_validate': True}`` is applied to fastai 2's loop by v1's
``Callback`` adapter, ``callback.py``)."""
from ..callback import Callback

__all__ = ["StopAfterNBatches"]


class StopAfterNBatches(Callback):
    "Stop training after n batches of the first epoch."
    def __init__(self, n_batches=2):
        self.stop, self.n_batches = False, n_batches - 1  # iteration starts from 0

    def on_batch_end(self, iteration, **kwargs):
        if iteration == self.n_batches:
            return {"stop_epoch": True, "stop_training": True, "skip_validate": True}
