"""TensorBoard logging with torch.utils.tensorboard's API: ``SummaryWriter`` writes
scalars, histograms, images, figures, text, hyperparameters, model graphs and embeddings
to event files that ``tensorboard --logdir runs`` shows.
Needs ``pip install deepgrad[tensorboard]``."""
from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
