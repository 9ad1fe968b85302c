"""The two recorded v1 lines agree with each other wherever both define the architecture the same
way: the expectations are fastai v1's, not one release's accident."""
from conftest import v1_fixture


def test_fastai_1_0_48_and_1_0_61_agree():
    old, new = v1_fixture("1.0.48"), v1_fixture("1.0.61")
    both = [n for n in new["archs"] if n in old["archs"] and old["archs"][n]["in_model_meta"]
            == new["archs"][n]["in_model_meta"]]
    assert len(both) >= 15
    for name in both:
        assert old["archs"][name] == new["archs"][name], name
    # 1.0.48 predates vgg11_bn/vgg13_bn in model_meta: it used the default split there
    assert not old["archs"]["vgg11_bn"]["in_model_meta"] and new["archs"]["vgg11_bn"]["in_model_meta"]
    for label, res in new["resnet18_variants"].items():
        if label == "concat_pool=False":   # broken in 1.0.48 (it always doubled nf), fixed by 1.0.61
            assert old["resnet18_variants"][label] == {"error": "RuntimeError"}
        else:
            assert old["resnet18_variants"][label] == res, label
    assert old["resnet18"]["keys"] == new["resnet18"]["keys"]
    assert old["resnet18"]["lr_range"] == new["resnet18"]["lr_range"]
