"""fastai v1's ``fastai/callbacks/`` on fastai 2: one module per v1 module (``tracker``, ``csv_logger``, ``fp16``,
``one_cycle``, ``lr_finder``, ``hooks``)."""
