"""Datasets, samplers and the DataLoader, as ``torch.utils.data``.

The names load on first use (``deepgrad.utils.data.DataLoader``, ``from deepgrad.utils.data
import TensorDataset``; a module ``__getattr__``, PEP 562): ``import deepgrad`` reaches this
package through ``nn.Module`` (``deepgrad.utils.hooks``), and the DataLoader would bring its
threads, queues and ``concurrent.futures`` into every program, which stay resident. ``dir()``,
tab completion, ``from deepgrad.utils.data import *`` and pickling (by each class's own
module) work as if all were imported.
"""
from ..._lazy import lazy_attributes as _lazy_attributes

# name -> the submodule defining it, loaded on first access
_LAZY = {"default_collate": "collate", "default_convert": "collate",
         "DataLoader": "dataloader", "WorkerInfo": "dataloader", "get_worker_info": "dataloader",
         "ChainDataset": "dataset", "ConcatDataset": "dataset", "Dataset": "dataset",
         "IterableDataset": "dataset", "Subset": "dataset", "TensorDataset": "dataset",
         "random_split": "dataset", "DistributedSampler": "distributed",
         "BatchSampler": "sampler", "RandomSampler": "sampler", "Sampler": "sampler",
         "SequentialSampler": "sampler", "SubsetRandomSampler": "sampler",
         "WeightedRandomSampler": "sampler"}

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "DistributedSampler",
           "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "Subset",
           "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler", "WorkerInfo",
           "default_collate", "default_convert", "get_worker_info", "random_split"]


__getattr__, __dir__ = _lazy_attributes(__name__, globals(), names=_LAZY, listed=__all__)
