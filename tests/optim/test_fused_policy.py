"""When the optimisers' compiled loops import numba (``optim/_fused.py``'s policy).

numba costs ~130 MiB of resident memory once imported, so:

* SGD's loop (a few passes; ~0.4 ns per parameter per step saved) never imports numba by
  itself: an SGD training run without numba elsewhere stays on the NumPy kernels;
* once numba is imported (by the program or another compiled loop), SGD runs compiled,
  with the NumPy kernel's bits;
* Adam's loop (~12 passes, ~3x faster compiled) imports numba on its first update.

Without numba the cases run in a fresh process (this test process imports numba), the
compiled SGD case here.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import deepgrad
import deepgrad.optim._fused as fused

pytest.importorskip("numba")  # requirements-dev.txt installs it

_RUN = """
import json, sys
import numpy as np
import deepgrad
from deepgrad.optim import sgd
{train}
p = train({name!r}, {kw!r})
print(json.dumps({{"numba": "numba" in sys.modules, "sgd_compiled": bool(sgd._sgd_loop._ready),
                   "p": p.ravel().tolist()}}))
"""

_TRAIN = """
def train(name, kw):
    rng = np.random.default_rng(0)
    p = deepgrad.tensor(rng.standard_normal((150, 40)).astype(np.float32), requires_grad=True)
    opt = getattr(deepgrad.optim, name)([p], lr=0.01, **kw)
    for step in range(4):
        opt.zero_grad()
        ((p * p).sum() * (1 + step) + deepgrad.sin(3 * p).sum()).backward()
        opt.step()
    return p.detach().numpy()
"""
_here = {"np": np, "deepgrad": deepgrad}
exec(_TRAIN, _here)  # the same function here, in a process that has imported numba
train = _here["train"]


def _train_in_fresh_process(name, kw):
    code = _RUN.format(train=_TRAIN, name=name, kw=kw)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=dict(os.environ, DEEPGRAD_FUSED="1"))
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["p"] = np.array(result["p"], dtype=np.float32).reshape(150, 40)
    return result


def test_sgd_does_not_import_numba_but_uses_it_once_imported(monkeypatch):
    kw = {"momentum": 0.9, "nesterov": True, "weight_decay": 0.1}
    alone = _train_in_fresh_process("SGD", kw)
    assert not alone["numba"] and not alone["sgd_compiled"]
    # this process has imported numba (importorskip above): SGD runs its compiled loop
    from deepgrad.optim import sgd  # noqa: PLC0415

    monkeypatch.setattr(fused, "ENABLED", True)
    monkeypatch.setattr(sgd._sgd_loop, "_ready", set())
    with_numba = train("SGD", kw)
    assert sgd._sgd_loop._ready
    assert np.array_equal(alone["p"], with_numba)  # the same bits either way


def test_adam_imports_numba_on_its_first_update():
    assert _train_in_fresh_process("Adam", {})["numba"]
