"""Building TensorBoard ``Summary`` protocol buffers from NumPy data.

Each function returns one ``Summary`` (a list of tagged values) in the layout that
TensorBoard's plugins read, the same layout torch.utils.tensorboard writes:

* scalar: ``simple_value`` (or, new style, a 0-d float tensor for the "scalars" plugin);
* histogram: min, max, count, sum, sum of squares and buckets (see :func:`histogram`);
* image: PNG bytes with height, width and number of channels;
* text: a string tensor for the "text" plugin, under ``<tag>/text_summary``;
* hparams: three summaries for the "hparams" plugin (experiment, session start, end).
"""
import numbers

import numpy as np

from ._convert import image_to_uint8, to_float, to_hwc, to_numpy
from ._png import encode_png
from ._protos import hparams_modules, tensorboard_modules, text_plugin_data


def _tensorflow_bins():
    """TensorBoard's default bucket edges: 0 and +-1e-12 * 1.1**k up to 1e20 (about 1500
    edges, finer near zero; each bucket is 10 % wider than the one before it)."""
    positive = []
    edge = 1e-12
    while edge < 1e20:
        positive.append(edge)
        edge *= 1.1  # repeated products, the exact floats torch and TensorBoard use
    return [-e for e in reversed(positive)] + [0] + positive


TENSORFLOW_BINS = _tensorflow_bins()


def scalar(tag, value, new_style=False, double_precision=False):
    """A scalar summary; ``value`` is any one-element tensor, array or number."""
    pb = tensorboard_modules()
    number = to_float(value, f"the value of scalar {tag!r}")
    if not new_style:
        return pb.Summary(value=[pb.Summary.Value(tag=tag, simple_value=number)])
    if double_precision:
        tensor = pb.TensorProto(dtype="DT_DOUBLE", double_val=[number])
    else:
        tensor = pb.TensorProto(dtype="DT_FLOAT", float_val=[number])
    meta = pb.SummaryMetadata(plugin_data=pb.SummaryMetadata.PluginData(plugin_name="scalars"))
    return pb.Summary(value=[pb.Summary.Value(tag=tag, tensor=tensor, metadata=meta)])


def histogram_buckets(values, bins="tensorflow", max_bins=None):
    """``(bucket_limit, bucket_count)`` of ``values`` as TensorBoard stores them.

    Counts come from ``np.histogram(values, bins)`` (``"tensorflow"``: TensorBoard's
    exponential edges). With ``max_bins``, groups of ``len(counts) // max_bins`` adjacent
    buckets are merged (the last group padded with empty buckets). Then the empty buckets
    at both ends are cut, keeping one empty bucket before the first filled one so that the
    chart rises from zero. Each bucket is stored by its *upper* edge: the kept counts
    ``c[i]`` of buckets ``(e[i], e[i+1]]`` go with limits ``e[i+1]`` (the leading empty
    bucket, when the first bucket is already filled, gets the lowest edge ``e[0]``).
    """
    edges_in = TENSORFLOW_BINS if isinstance(bins, str) and bins == "tensorflow" else bins
    counts, edges = np.histogram(values, bins=edges_in)
    if max_bins is not None and len(counts) > max_bins:
        group = len(counts) // max_bins
        pad = (-len(counts)) % group
        counts = np.pad(counts, (0, pad)).reshape(-1, group).sum(axis=1)
        edges = np.append(edges[:-1:group], edges[-1])
    filled = np.flatnonzero(counts)
    if filled.size == 0:
        raise ValueError(f"no value falls inside the histogram's range [{edges[0]}, "
                         f"{edges[-1]}]: nothing to draw")
    first, last = int(filled[0]), int(filled[-1])
    if first > 0:
        kept_counts = counts[first - 1:last + 1]
    else:
        kept_counts = np.concatenate([[0], counts[:last + 1]])
    kept_limits = edges[first:last + 2]
    return kept_limits, kept_counts


def histogram(tag, values, bins="tensorflow", max_bins=None):
    """A histogram summary of all elements of ``values`` (as float64)."""
    pb = tensorboard_modules()
    arr = to_numpy(values, f"the values of histogram {tag!r}").astype(np.float64).reshape(-1)
    if arr.size == 0:
        raise ValueError(f"histogram {tag!r}: the input has no element")
    if not np.isfinite(arr).all():
        raise ValueError(f"histogram {tag!r}: the values contain NaN or infinity "
                         f"({int((~np.isfinite(arr)).sum())} of {arr.size})")
    limits, counts = histogram_buckets(arr, bins, max_bins)
    histo = pb.HistogramProto(min=arr.min(), max=arr.max(), num=arr.size, sum=arr.sum(),
                              sum_squares=arr.dot(arr), bucket_limit=limits.tolist(),
                              bucket=counts.tolist())
    return pb.Summary(value=[pb.Summary.Value(tag=tag, histo=histo)])


def histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts):  # noqa: A002
    """A histogram summary from precomputed statistics (torch's argument names)."""
    pb = tensorboard_modules()
    limits = to_numpy(bucket_limits, "bucket_limits").reshape(-1)
    counts = to_numpy(bucket_counts, "bucket_counts").reshape(-1)
    if len(limits) != len(counts):
        raise ValueError(f"histogram {tag!r}: {len(limits)} bucket_limits but "
                         f"{len(counts)} bucket_counts (one limit per bucket)")
    histo = pb.HistogramProto(min=min, max=max, num=num, sum=sum, sum_squares=sum_squares,
                              bucket_limit=limits.tolist(), bucket=counts.tolist())
    return pb.Summary(value=[pb.Summary.Value(tag=tag, histo=histo)])


def image_from_array(tag, pixels):
    """An image summary of ``(H, W, C)`` uint8 pixels, PNG-encoded."""
    pb = tensorboard_modules()
    height, width, channels = pixels.shape
    encoded = pb.Summary.Image(height=height, width=width, colorspace=channels,
                               encoded_image_string=encode_png(np.ascontiguousarray(pixels)))
    return pb.Summary(value=[pb.Summary.Value(tag=tag, image=encoded)])


def image(tag, img, dataformats="CHW"):
    """An image summary: ``img`` laid out as ``dataformats`` (a batch with N becomes a
    grid of 8 columns); floats are taken to lie in [0, 1], uint8 in [0, 255]."""
    arr = to_numpy(img, f"the image {tag!r}")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"image {tag!r}: pixels must be numbers, got dtype {arr.dtype}")
    return image_from_array(tag, image_to_uint8(to_hwc(arr, dataformats)))


def text(tag, text_string):
    """A text summary (markdown, shown by TensorBoard's Text tab)."""
    pb = tensorboard_modules()
    if not isinstance(text_string, str):
        raise TypeError(f"add_text expects a str, got {type(text_string).__name__}")
    meta = pb.SummaryMetadata(plugin_data=pb.SummaryMetadata.PluginData(
        plugin_name="text", content=text_plugin_data()))
    tensor = pb.TensorProto(dtype="DT_STRING", string_val=[text_string.encode("utf-8")],
                            tensor_shape=pb.TensorShapeProto(
                                dim=[pb.TensorShapeProto.Dim(size=1)]))
    return pb.Summary(value=[pb.Summary.Value(tag=tag + "/text_summary", tensor=tensor,
                                              metadata=meta)])


def _hparam_value(name, value):
    """``(kind, python value)`` of one hyperparameter: "bool", "string" or "number"."""
    from ...tensor import Tensor  # noqa: PLC0415 - avoids a cycle at import time

    if isinstance(value, (bool, np.bool_)):
        return "bool", bool(value)
    if isinstance(value, str):
        return "string", value
    if isinstance(value, Tensor):
        return "number", to_float(value, f"hparam {name!r}")
    if isinstance(value, numbers.Real):
        return "number", float(value)
    raise ValueError(f"hparam {name!r} must be an int, float, str, bool or one-element "
                     f"Tensor, got {type(value).__name__}: {value!r}")


def _plugin_summary(hp, tag, **content):
    pb = tensorboard_modules()
    data = hp.plugin_data.HParamsPluginData(version=hp.VERSION, **content)
    meta = pb.SummaryMetadata(plugin_data=pb.SummaryMetadata.PluginData(
        plugin_name=hp.PLUGIN_NAME, content=data.SerializeToString()))
    return pb.Summary(value=[pb.Summary.Value(tag=tag, metadata=meta)])


def hparams(hparam_dict, metric_dict, hparam_domain_discrete=None):
    """``(experiment, session_start, session_end)`` summaries describing one run.

    ``hparam_domain_discrete`` maps a hyperparameter to the list of all values it can
    take (drawn as a filter in TensorBoard's HParams tab). A ``None`` value is skipped.
    Booleans are stored as booleans (torch stores them as numbers, because a bool is an
    int in Python).
    """
    hp = hparams_modules()
    domains = hparam_domain_discrete or {}
    if not isinstance(domains, dict):
        raise TypeError(f"hparam_domain_discrete should be a dict, got "
                        f"{type(domains).__name__}")
    unknown = set(domains) - set(hparam_dict)
    if unknown:
        raise TypeError(f"hparam_domain_discrete names {sorted(unknown)} that are not in "
                        "hparam_dict")
    start = hp.plugin_data.SessionStartInfo()
    infos = []
    for name, value in hparam_dict.items():
        if value is None:
            continue
        kind, value = _hparam_value(name, value)
        setattr(start.hparams[name], f"{kind}_value", value)
        domain = None
        if name in domains:
            allowed = domains[name]
            if not isinstance(allowed, list) or not all(
                    _hparam_value(name, v)[0] == kind for v in allowed):
                raise TypeError(f"hparam_domain_discrete[{name!r}] should be a list of values "
                                f"of the same type as hparam_dict[{name!r}] ({kind}), got "
                                f"{allowed!r}")
            domain = hp.struct.ListValue(values=[
                hp.struct.Value(**{f"{kind}_value": _hparam_value(name, v)[1]})
                for v in allowed])
        data_type = {"bool": "DATA_TYPE_BOOL", "string": "DATA_TYPE_STRING",
                     "number": "DATA_TYPE_FLOAT64"}[kind]
        infos.append(hp.api.HParamInfo(name=name, type=hp.api.DataType.Value(data_type),
                                       domain_discrete=domain))
    metrics = [hp.api.MetricInfo(name=hp.api.MetricName(tag=tag)) for tag in metric_dict]
    experiment = hp.api.Experiment(hparam_infos=infos, metric_infos=metrics)
    end = hp.plugin_data.SessionEndInfo(status=hp.api.Status.Value("STATUS_SUCCESS"))
    return (_plugin_summary(hp, hp.EXPERIMENT_TAG, experiment=experiment),
            _plugin_summary(hp, hp.SESSION_START_TAG, session_start_info=start),
            _plugin_summary(hp, hp.SESSION_END_TAG, session_end_info=end))


def audio(tag, samples, sample_rate=44100):
    """An audio summary: mono ``samples`` in [-1, 1] (clipped, with a warning, if they
    exceed it) stored as a 16-bit PCM WAV file, sample * 32767 truncated."""
    import io  # noqa: PLC0415 - only for audio
    import wave  # noqa: PLC0415
    import warnings  # noqa: PLC0415

    pb = tensorboard_modules()
    arr = to_numpy(samples, f"the audio {tag!r}").astype(np.float64).squeeze()
    if arr.ndim != 1:
        raise ValueError(f"audio {tag!r} must be one channel of samples (1-D after "
                         f"squeezing), got shape {to_numpy(samples).shape}")
    if arr.size and np.abs(arr).max() > 1:
        warnings.warn(f"audio {tag!r}: amplitude out of [-1, 1] (max |x| = "
                      f"{np.abs(arr).max():g}), clipped", UserWarning, stacklevel=3)
        arr = np.clip(arr, -1, 1)
    pcm = (arr * np.iinfo(np.int16).max).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(int(sample_rate))
        wav.writeframes(pcm.tobytes())
    sound = pb.Summary.Audio(sample_rate=sample_rate, num_channels=1, length_frames=pcm.size,
                             encoded_audio_string=buffer.getvalue(), content_type="audio/wav")
    return pb.Summary(value=[pb.Summary.Value(tag=tag, audio=sound)])


# NumPy dtype -> (TensorProto dtype, the repeated field that holds the values)
_TENSOR_FIELDS = {"float16": ("DT_HALF", "half_val"), "float32": ("DT_FLOAT", "float_val"),
                  "float64": ("DT_DOUBLE", "double_val"), "int8": ("DT_INT8", "int_val"),
                  "uint8": ("DT_UINT8", "int_val"), "int16": ("DT_INT16", "int_val"),
                  "int32": ("DT_INT32", "int_val"), "int64": ("DT_INT64", "int64_val"),
                  "bool": ("DT_BOOL", "bool_val")}


def tensor(tag, value):
    """A summary holding a whole tensor (shape and values), for the "tensor" plugin.
    float16 values are stored as their 16-bit patterns, as TensorFlow's format wants."""
    pb = tensorboard_modules()
    arr = to_numpy(value, f"the tensor {tag!r}")
    if arr.dtype.name not in _TENSOR_FIELDS:
        raise ValueError(f"add_tensor {tag!r}: unsupported dtype {arr.dtype} (supported: "
                         f"{', '.join(_TENSOR_FIELDS)})")
    if arr.nbytes >= 1 << 31:
        raise ValueError(f"add_tensor {tag!r}: {arr.nbytes} bytes exceed the 2 GB limit of "
                         "a protocol buffer")
    dtype, field = _TENSOR_FIELDS[arr.dtype.name]
    flat = arr.reshape(-1)
    values = flat.view(np.uint16).tolist() if field == "half_val" else flat.tolist()
    shape = pb.TensorShapeProto(dim=[pb.TensorShapeProto.Dim(size=s) for s in arr.shape])
    proto = pb.TensorProto(dtype=dtype, tensor_shape=shape, **{field: values})
    meta = pb.SummaryMetadata(plugin_data=pb.SummaryMetadata.PluginData(plugin_name="tensor"))
    return pb.Summary(value=[pb.Summary.Value(tag=tag, tensor=proto, metadata=meta)])
