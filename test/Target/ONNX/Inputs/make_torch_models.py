#!/usr/bin/python3
"""Exports, with Debian's PyTorch, the decomposed patterns torch.onnx emits below opset 17:
nn.GELU as Div/Erf/Add/Mul/Mul and nn.LayerNorm as ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/
Mul/Add. The importer must recognize them and produce qopt.gelu and qopt.layer_norm.

    /usr/bin/python3 make_torch_models.py
"""
import numpy
import torch


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 8)
        self.act = torch.nn.GELU()
        self.norm = torch.nn.LayerNorm(8, eps=1e-5)

    def forward(self, x):
        return self.norm(self.act(self.fc(x)))


def main():
    torch.manual_seed(0)
    model = Block().eval()
    with torch.no_grad():
        model.norm.weight.copy_(torch.linspace(0.5, 1.5, 8))
        model.norm.bias.copy_(torch.linspace(-0.2, 0.2, 8))
    x = torch.randn(3, 8)
    torch.onnx.export(model, x, "gelu_layernorm.onnx", opset_version=13,
                      input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    # PyTorch's own output for one input, to check the raised ops compute the same thing.
    with torch.no_grad():
        numpy.save("gelu_layernorm.x.npy", x.numpy())
        numpy.save("gelu_layernorm.y.npy", model(x).numpy())


if __name__ == "__main__":
    main()
