"""The model examples run end to end and write their figures (slow: minutes; `pytest -m slow`)."""
import importlib.util
import os

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")


def _load(name, monkeypatch):
    monkeypatch.syspath_prepend(EXAMPLES)  # as when run as a script: _common.py beside it
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize("name, kwargs", [("autoencoders", {"epochs": 2}), ("vae", {"epochs": 2}),
                                          ("sparse_coding", {"max_iter": 2})])
def test_example_writes_its_figure(tmp_path, monkeypatch, name, kwargs):
    pytest.importorskip("matplotlib")
    pytest.importorskip("sklearn")
    path = _load(name, monkeypatch).main(str(tmp_path), **kwargs)
    assert os.path.isfile(path) and os.path.getsize(path) > 1000
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
