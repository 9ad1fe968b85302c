"""fastai v1's ``fastai/callbacks/csv_logger.py`` on fastai 2: ``CSVLogger(learn, filename='history')`` writing
``learn.path/f'{filename}.csv'`` in v1's format, built on fastai 2's ``progress.CSVLogger``.
"""
import os

from fastai.callback.progress import CSVLogger as _CSVLogger

from ..callback import _LearnerCallback

__all__ = ["CSVLogger"]

class CSVLogger(_LearnerCallback, _CSVLogger):
    "A `LearnerCallback` that saves history of metrics while training `learn` into CSV `filename`."
    def __init__(self, learn, filename="history", append=False):
        self._check_learn(learn)
        # v1 wrote `learn.path/f'{filename}.csv'`; fastai 2 takes the file name with its extension.
        super().__init__(fname=f"{filename}.csv", append=append)
        self.filename, self._last_learn = filename, learn

    def read_logged_file(self):
        "Read the content of saved file"
        import pandas as pd
        return pd.read_csv(self.file_path)

    @property
    def file_path(self):
        "v1's `path`: `learn.path/f'{filename}.csv'` (fastai 2's `self.path` is the learner's)."
        learn = self.learn if self.learn is not None else self._last_learn
        return learn.path / self.fname

    def before_fit(self):
        "Prepare file with metric names."
        if hasattr(self, "gather_preds"): return
        self._last_learn = self.learn       # fastai 2 unbinds a fit's callbacks; v1 read the file after it
        file = self.file_path
        file.parent.mkdir(parents=True, exist_ok=True)
        add_header = not file.exists() or not self.append   # v1: no second header when appending
        self.file = file.open("a" if self.append else "w")
        if add_header: self.file.write(",".join(self.recorder.metric_names) + "\n")
        self.old_logger, self.learn.logger = self.logger, self._write_line

    def _write_line(self, log):
        "Write a line with v1's formatting (6 decimals, `#na#` when missing) and call the old logger."
        stats = [str(s) if isinstance(s, (int, str)) else "#na#" if s is None else f"{s:.6f}" for s in log]
        self.file.write(",".join(stats) + "\n")
        self.file.flush()
        os.fsync(self.file.fileno())
        self.old_logger(log)

    def _on_fit_error(self, exc):
        "v1 ran `on_train_end` in a `finally`: close the file when the fit ends with an exception too."
        file = getattr(self, "file", None)
        if file is not None and not file.closed: file.close()
        learn = self._last_learn
        if getattr(learn, "logger", None) == self._write_line: learn.logger = self.old_logger
