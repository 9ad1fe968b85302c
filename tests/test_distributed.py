"""v1's distributed training on fastai 2 (issue 14): two CPU processes over gloo run a v1 script's calls
(`setup_distrib(gpu)`, `learn.to_distributed(gpu)`, freeze -> fit_one_cycle(1) -> unfreeze ->
fit_one_cycle(1, slice(1e-5, 1e-3))), and one process trains on the same global batches.

The ranks are forked from this process (fastai is imported once; each rank is what the launcher starts, minus
the import) with torchrun's environment (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT); the launcher itself is
tested on a script that only reports what it was given. Why the two runs agree exactly: tests/distrib_setup.py.
"""
import multiprocessing
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

import fastai_freeze_compat as fv

if fv.IS_V1:
    # the worker is a fastai 2 callback script; on fastai 1.x the package passes real v1's distributed API
    # through (tests/test_distributed_passthrough.py checks that on every stack)
    pytest.skip(f"tests the fastai 2 backend's distributed training; fastai {fv.FASTAI_VERSION} is installed, where "
                "fastai_freeze_compat.distributed is real v1's", allow_module_level=True)

from distrib_setup import BS, make_data_folder, make_learner, stage_state  # noqa: E402
import distrib_worker  # noqa: E402

pytestmark = pytest.mark.v2only

ROOT = Path(__file__).resolve().parent.parent
WORLD = 2


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rank(rank, port, data, out):
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(WORLD), MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=str(port))
    torch.set_num_threads(1)
    distrib_worker.main([f"--gpu={rank}", f"--data={data}", f"--out={out}"])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    "Each rank's records of the two-process run, and the training images."
    root = tmp_path_factory.mktemp("distrib")
    data = make_data_folder(root)
    out = root / "out"
    out.mkdir()
    ctx = multiprocessing.get_context("fork")
    port = _free_port()
    procs = [ctx.Process(target=_rank, args=(r, port, data, out)) for r in range(WORLD)]
    for p in procs: p.start()
    for p in procs: p.join(300)
    for p in procs:
        if p.is_alive(): p.kill()
    assert [p.exitcode for p in procs] == [0] * WORLD, "a rank failed (its traceback is in the captured stderr)"
    return [torch.load(out / f"rank{r}.pt", weights_only=False) for r in range(WORLD)], data


def _assert_close(a, b, atol=1e-5):
    for k in a:
        assert torch.allclose(a[k], b[k], rtol=0, atol=atol), (k, (a[k] - b[k]).abs().max().item())


def _rows(x): return sorted(tuple(r) for r in x.reshape(len(x), -1).tolist())


def test_ranks_stay_identical_and_freeze_holds_on_each(runs):
    (r0, r1), _ = runs
    assert r0["world_size"] == r1["world_size"] == WORLD
    assert r0["callbacks"] == ["DistributedTrainer", "DistributedRecorder"]
    assert any(not torch.equal(r0["init"][k], r1["init"][k]) for k in r0["init"])   # seeds differ: DDP broadcast rank 0's
    for stage in ("stage1", "stage2"):
        for k in r0[stage]["weights"]:
            assert torch.equal(r0[stage]["weights"][k], r1[stage]["weights"][k]), (stage, k)
        for key in ("requires_grad", "lr", "wd", "losses", "val_losses"):
            assert r0[stage][key] == r1[stage][key], (stage, key)
        assert r0[stage]["model_type"] == "Sequential"       # unwrapped after the fit, as in v1
    s1, s2 = r0["stage1"], r0["stage2"]
    # stage 1: frozen body (two convs: 4 parameters), trainable head; stage 2: all trainable
    assert s1["requires_grad"] == [False] * 4 + [True] * 2 and all(s2["requires_grad"])
    body = [k for k in s1["weights"] if k.startswith("0.")]
    for k in body: assert torch.equal(s1["weights"][k], r0["init"][k]), k     # rank 0's init, untouched while frozen
    moved = [(s2["weights"][k] - s1["weights"][k]).abs().max().item() for k in body]
    assert min(moved) > 1e-7, moved                                           # the unfrozen body trained
    # slice(1e-5, 1e-3) over the two groups: the body's learning rate is the head's / 100 all along
    assert s2["lr"][0] / s2["lr"][1] == pytest.approx(1e-2) and s2["wd"] == [1e-2, 1e-2]


def test_shuffle_is_shared_each_rank_gets_its_share(runs):
    (r0, r1), folder = runs
    ref = make_learner(folder, seed=0)
    full = torch.cat([b[0].as_subclass(torch.Tensor) for b in ref.dls.train.new(shuffle=False, drop_last=False)])
    for stage in ("stage1", "stage2"):
        x0, x1 = torch.cat(r0[stage]["xs"]), torch.cat(r1[stage]["xs"])
        assert len(r0[stage]["xs"]) == len(full) // (BS * WORLD)
        # the two shares partition the training set: both ranks drew from the same shuffled order
        assert _rows(torch.cat([x0, x1])) == _rows(full)


def test_equals_one_process_on_the_same_global_batches(runs):
    (r0, r1), folder = runs
    from fastai.data.load import DataLoader
    ref = make_learner(folder, seed=0)
    _assert_close(dict(ref.model.state_dict()), r0["init"], atol=0)

    def global_batches(stage):
        return DataLoader([(torch.cat([x0, x1]), torch.cat([y0, y1])) for x0, x1, y0, y1 in
                           zip(r0[stage]["xs"], r1[stage]["xs"], r0[stage]["ys"], r1[stage]["ys"])], bs=None)

    ref.freeze()
    ref.dls.loaders[0] = global_batches("stage1")
    ref.fit_one_cycle(1)
    _assert_close(stage_state(ref)["weights"], r0["stage1"]["weights"])
    ref.unfreeze()
    ref.dls.loaders[0] = global_batches("stage2")
    ref.fit_one_cycle(1, slice(1e-5, 1e-3))
    s2 = stage_state(ref)
    _assert_close(s2["weights"], r0["stage2"]["weights"])
    assert s2["lr"] == pytest.approx(r0["stage2"]["lr"]) and s2["requires_grad"] == r0["stage2"]["requires_grad"]
    # validation gathers the ranks' shares: the whole validation set's loss and accuracy, on every rank
    assert r0["validate"] == r1["validate"]
    assert r0["validate"] == pytest.approx([float(v) for v in ref.validate()], abs=1e-5)
    preds, targs = ref.get_preds()
    assert len(r0["preds"]) == len(preds)
    ours, one = (torch.tensor(_rows(torch.cat([p, t[:, None].float()], 1)))
                 for p, t in ((r0["preds"], r0["targs"]), (preds.as_subclass(torch.Tensor), targs.as_subclass(torch.Tensor))))
    assert torch.allclose(ours, one, rtol=0, atol=1e-5), (ours - one).abs().max()


def test_launcher_starts_one_process_per_gpu_with_v1s_arguments(tmp_path):
    # each process writes its report to its own file: the two processes share one stdout pipe under torchrun,
    # where a line could be lost or interleaved (seen once in CI)
    script = tmp_path / "report.py"
    script.write_text(textwrap.dedent("""
        import os, sys
        report = [os.environ["RANK"], os.environ["WORLD_SIZE"], os.environ["LOCAL_RANK"],
                  str(bool(os.environ.get("MASTER_ADDR"))), str(bool(os.environ.get("MASTER_PORT"))), *sys.argv[1:]]
        with open(os.path.join(%r, "report%%s.txt" %% os.environ["RANK"]), "w") as f: f.write(" ".join(report))
    """ % str(tmp_path)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               OMP_NUM_THREADS="1")
    res = subprocess.run([sys.executable, "-m", "fastai_freeze_compat.launch", "--gpus=01", str(script), "--bs", "8"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    reports = sorted(f.read_text().split() for f in tmp_path.glob("report*.txt"))
    assert reports == [["0", "2", "0", "True", "True", "--gpu=0", "--bs", "8"],
                       ["1", "2", "1", "True", "True", "--gpu=1", "--bs", "8"]]
    bad = subprocess.run([sys.executable, "-m", "fastai_freeze_compat.launch", "--gpus=x1", str(script)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert bad.returncode != 0 and "--gpus takes" in bad.stderr
