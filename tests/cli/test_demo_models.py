"""The demo's four models against the MNIST-1D paper's PyTorch definitions (torch as oracle).

The paper's models (greydanus/mnist1d, models.py) are written here in torch; the same weights
are loaded into both through state_dict and the outputs and gradients compared.
"""
import numpy as np
import pytest
import torch

import deepgrad
from deepgrad.demo import CNN, GRU, MLP, LogisticRegression


class TorchMLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1, self.linear2 = torch.nn.Linear(40, 100), torch.nn.Linear(100, 100)
        self.linear3 = torch.nn.Linear(100, 10)

    def forward(self, x):
        h = self.linear1(x).relu()
        return self.linear3(h + self.linear2(h).relu())


class TorchCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv1d(1, 25, 5, stride=2, padding=1)
        self.conv2 = torch.nn.Conv1d(25, 25, 3, stride=2, padding=1)
        self.conv3 = torch.nn.Conv1d(25, 25, 3, stride=2, padding=1)
        self.linear = torch.nn.Linear(125, 10)

    def forward(self, x):
        h = self.conv1(x.view(-1, 1, 40)).relu()
        h = self.conv3(self.conv2(h).relu()).relu()
        return self.linear(h.view(h.shape[0], -1))


class TorchGRU(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = torch.nn.GRU(1, 6, batch_first=True, bidirectional=True)
        self.linear = torch.nn.Linear(480, 10)

    def forward(self, x):
        out, _ = self.gru(x.view(*x.shape[:2], 1), torch.zeros(2, x.shape[0], 6))
        return self.linear(out.reshape(out.shape[0], -1))


class TorchLogistic(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(40, 10)

    def forward(self, x):
        return self.linear(x)


@pytest.mark.parametrize("ours,theirs", [(LogisticRegression, TorchLogistic), (MLP, TorchMLP),
                                         (CNN, TorchCNN), (GRU, TorchGRU)])
def test_same_outputs_and_gradients_as_the_papers_models(ours, theirs):
    deepgrad.manual_seed(0)
    model, ref = ours(), theirs()
    assert [tuple(p.shape) for p in model.parameters()] == \
        [tuple(p.shape) for p in ref.parameters()]
    ref.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in
                         model.state_dict().items()})
    x = np.random.RandomState(0).randn(3, 40).astype(np.float32)
    out = model(deepgrad.tensor(x))
    ref_out = ref(torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), ref_out.detach().numpy(), atol=1e-5)
    out.sum().backward()
    ref_out.sum().backward()
    for (name, p), q in zip(model.named_parameters(), ref.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), atol=1e-4, err_msg=name)
