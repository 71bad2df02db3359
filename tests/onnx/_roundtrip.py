"""Export a deepgrad model, run the file in onnxruntime, compare with deepgrad's own output.

onnxruntime is the independent oracle: it reads only the ONNX file.
"""
import io

import numpy as np
import pytest

import deepgrad
import deepgrad.onnx as donnx

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _flat(value):
    if isinstance(value, (tuple, list)):
        return [x for v in value for x in _flat(v)]
    return [value]


def export_bytes(model, args, **kwargs):
    buf = io.BytesIO()
    donnx.export(model, args, buf, **kwargs)
    data = buf.getvalue()
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)
    return data


def run_onnx(data, inputs):
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    feed = {i.name: x.numpy() for i, x in zip(session.get_inputs(), inputs)}
    return session.run(None, feed)


def check_roundtrip(model, args, run_args=None, rtol=1e-5, atol=1e-5, **kwargs):
    """Export on ``args``; run both on ``run_args`` (default ``args``); compare every output."""
    args = args if isinstance(args, tuple) else (args,)
    run_args = args if run_args is None else (run_args if isinstance(run_args, tuple)
                                              else (run_args,))
    data = export_bytes(model, args, **kwargs)
    got = run_onnx(data, run_args)
    model.eval()
    with deepgrad.no_grad():
        expected = [t.numpy() for t in _flat(model(*run_args))]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == e.shape and g.dtype == e.dtype
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol)
    return data
