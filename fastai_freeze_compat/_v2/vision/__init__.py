"""fastai v1's ``fastai/vision/`` on fastai 2: one module per v1 module (``data``, ``transform``, ``image``,
``learner``, ``models``)."""
