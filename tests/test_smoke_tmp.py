def test_import():
    import fastai_freeze_compat as fv
    assert fv.cnn_learner
