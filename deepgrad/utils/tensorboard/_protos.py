"""The one place that imports the ``tensorboard`` package (an optional extra).

deepgrad builds the summaries itself; TensorBoard's protocol buffers are the file format
and its ``EventFileWriter`` writes the records (length, CRC-32C checksums) to disk.
"""
from types import SimpleNamespace

_INSTALL = ("deepgrad.utils.tensorboard writes TensorBoard event files with the "
            "`tensorboard` package, which is not installed: pip install deepgrad[tensorboard]")


def tensorboard_modules():
    """The protobuf classes and the event-file writer, imported on first use."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2  # noqa: PLC0415
        from tensorboard.compat.proto import tensor_pb2, tensor_shape_pb2  # noqa: PLC0415
        from tensorboard.summary.writer.event_file_writer import (  # noqa: PLC0415
            EventFileWriter)
    except ImportError as err:
        raise ImportError(_INSTALL) from err
    return SimpleNamespace(Event=event_pb2.Event, SessionLog=event_pb2.SessionLog,
                           Summary=summary_pb2.Summary,
                           SummaryMetadata=summary_pb2.SummaryMetadata,
                           HistogramProto=summary_pb2.HistogramProto,
                           TensorProto=tensor_pb2.TensorProto,
                           TensorShapeProto=tensor_shape_pb2.TensorShapeProto,
                           EventFileWriter=EventFileWriter)


def hparams_modules():
    """The hparams plugin's protobufs and tag names."""
    try:
        from google.protobuf import struct_pb2  # noqa: PLC0415 - tensorboard needs protobuf
        from tensorboard.plugins.hparams import api_pb2, metadata  # noqa: PLC0415
        from tensorboard.plugins.hparams import plugin_data_pb2  # noqa: PLC0415
    except ImportError as err:
        raise ImportError(_INSTALL) from err
    return SimpleNamespace(api=api_pb2, plugin_data=plugin_data_pb2, struct=struct_pb2,
                           PLUGIN_NAME=metadata.PLUGIN_NAME,
                           VERSION=metadata.PLUGIN_DATA_VERSION,
                           EXPERIMENT_TAG=metadata.EXPERIMENT_TAG,
                           SESSION_START_TAG=metadata.SESSION_START_INFO_TAG,
                           SESSION_END_TAG=metadata.SESSION_END_INFO_TAG)


def text_plugin_data():
    """The (versioned, empty) content that marks a string tensor as text."""
    try:
        from tensorboard.plugins.text import plugin_data_pb2  # noqa: PLC0415
    except ImportError as err:
        raise ImportError(_INSTALL) from err
    return plugin_data_pb2.TextPluginData(version=0).SerializeToString()


def graph_modules():
    """The GraphDef protobufs (a model graph for the Graphs tab)."""
    try:
        from tensorboard.compat.proto import attr_value_pb2, graph_pb2  # noqa: PLC0415
        from tensorboard.compat.proto import node_def_pb2, versions_pb2  # noqa: PLC0415
        from tensorboard.compat.proto import tensor_shape_pb2  # noqa: PLC0415
    except ImportError as err:
        raise ImportError(_INSTALL) from err
    return SimpleNamespace(GraphDef=graph_pb2.GraphDef, NodeDef=node_def_pb2.NodeDef,
                           AttrValue=attr_value_pb2.AttrValue,
                           VersionDef=versions_pb2.VersionDef,
                           TensorShapeProto=tensor_shape_pb2.TensorShapeProto)


def plugin_modules():
    """The pr_curves and custom_scalars plugins' protobufs."""
    try:
        from tensorboard.plugins.custom_scalar import layout_pb2  # noqa: PLC0415
        from tensorboard.plugins.pr_curve.plugin_data_pb2 import (  # noqa: PLC0415
            PrCurvePluginData)
    except ImportError as err:
        raise ImportError(_INSTALL) from err
    return SimpleNamespace(layout_pb2=layout_pb2, PrCurvePluginData=PrCurvePluginData)
