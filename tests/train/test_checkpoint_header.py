"""A safetensors checkpoint whose header length starts with the byte 0x80 (as a pickle
does) is still read as safetensors (found when a distributed resume test hit one)."""
import numpy as np
import pytest

from deepgrad.train import checkpoint


def test_header_length_with_a_pickle_like_first_byte(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "c.safetensors"
    weights = np.arange(6.0).reshape(2, 3)
    checkpoint.write(path, {"note": "", "w": weights})
    base = int.from_bytes(path.read_bytes()[:8], "little")   # header length without padding
    first = max(0, (128 - base) % 256 - 8)
    for pad in range(first, first + 24):  # each "x" adds a byte (the header may be aligned)
        obj = {"note": "x" * pad, "w": weights}
        checkpoint.write(path, obj)
        data = path.read_bytes()
        if data[0] == 0x80:
            break
    assert data[0] == 0x80, "no padding gave a header length of 128 mod 256"
    np.testing.assert_array_equal(st.load_file(str(path))[next(iter(st.load_file(str(path))))],
                                  weights)                    # the safetensors package reads it
    back = checkpoint.read(path)
    assert back["note"] == "x" * pad
    np.testing.assert_array_equal(np.asarray(back["w"]), weights)
