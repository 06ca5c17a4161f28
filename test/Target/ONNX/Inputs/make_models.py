#!/usr/bin/python3
"""Writes the small ONNX models the importer's lit tests read. Run from this directory:

    /usr/bin/python3 make_models.py

Each model isolates one import feature or one kind of bad input; the weights are fixed small numbers
so the expected IR can be written by hand.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT


def save(name, nodes, inputs, outputs, inits=(), opset=13):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="qopt-test")
    model.ir_version = 8
    onnx.save(model, name + ".onnx")


def vi(name, shape, t=F):
    return helper.make_tensor_value_info(name, t, shape)


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def main():
    # Gemm with transB=1 (PyTorch's Linear) and a dynamic batch: fully_connected + relu.
    save("gemm_relu",
         [helper.make_node("Gemm", ["x", "w", "b"], ["h"], name="fc1", transB=1),
          helper.make_node("Relu", ["h"], ["y"], name="relu1")],
         [vi("x", ["batch", 4])], [vi("y", ["batch", 3])],
         [const("w", np.arange(12, dtype=np.float32).reshape(3, 4) / 10),
          const("b", np.array([0.5, -0.5, 0.25], dtype=np.float32))])

    # Gemm with transB=0, alpha and beta: the weight is transposed and scaled at import time.
    save("gemm_alpha_beta",
         [helper.make_node("Gemm", ["x", "w", "b"], ["y"], name="fc", alpha=2.0, beta=0.5)],
         [vi("x", [1, 2])], [vi("y", [1, 3])],
         [const("w", np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32)),
          const("b", np.array([2, 4, 6], dtype=np.float32))])

    # Conv + BatchNormalization + Relu + MaxPool + Flatten: the example CNN's building block.
    rng = np.random.default_rng(0)
    save("conv_bn_pool",
         [helper.make_node("Conv", ["x", "cw", "cb"], ["c"], name="conv1", pads=[1, 1, 1, 1]),
          helper.make_node("BatchNormalization", ["c", "s", "bb", "m", "v"], ["n"], name="bn1",
                           epsilon=1e-3),
          helper.make_node("Relu", ["n"], ["r"], name="relu1"),
          helper.make_node("MaxPool", ["r"], ["p"], name="pool1", kernel_shape=[2, 2],
                           strides=[2, 2]),
          helper.make_node("Flatten", ["p"], ["y"], name="flatten")],
         [vi("x", ["N", 1, 4, 4])], [vi("y", ["N", 8])],
         [const("cw", rng.standard_normal((2, 1, 3, 3)).astype(np.float32)),
          const("cb", np.zeros(2, np.float32)),
          const("s", np.ones(2, np.float32)), const("bb", np.zeros(2, np.float32)),
          const("m", np.zeros(2, np.float32)), const("v", np.ones(2, np.float32))])

    # QDQ as quantization-aware training exports it: activations per tensor (uint8), weights per
    # output channel (int8, axis 0).
    save("qdq",
         [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="x_q"),
          helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"], name="x_dq"),
          helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["wd"], name="w_dq", axis=0),
          helper.make_node("Gemm", ["xd", "wd"], ["y"], name="fc", transB=1)],
         [vi("x", [1, 2])], [vi("y", [1, 2])],
         [const("xs", np.float32(0.05)), const("xz", np.uint8(128)),
          const("wq", np.array([[1, -2], [3, 127]], dtype=np.int8)),
          const("ws", np.array([0.5, 0.25], dtype=np.float32)),
          const("wz", np.array([0, 0], dtype=np.int8))])

    # Softmax before opset 13 normalizes the input flattened to 2-D at `axis`.
    save("softmax_opset11",
         [helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=1)],
         [vi("x", [2, 3, 4])], [vi("y", [2, 3, 4])], opset=11)

    # PyTorch's x.view(x.size(0), -1) on a static shape: Shape/Gather/Unsqueeze/Concat fold away.
    save("shape_chain",
         [helper.make_node("Shape", ["x"], ["s"], name="shape"),
          helper.make_node("Gather", ["s", "zero"], ["n"], name="gather", axis=0),
          helper.make_node("Unsqueeze", ["n", "axes"], ["n1"], name="unsqueeze"),
          helper.make_node("Concat", ["n1", "minus1"], ["target"], name="concat", axis=0),
          helper.make_node("Reshape", ["x", "target"], ["y"], name="view")],
         [vi("x", [2, 3, 4])], [vi("y", [2, 12])],
         [const("zero", np.int64(0)), const("axes", np.array([0], np.int64)),
          const("minus1", np.array([-1], np.int64))])

    # Math and reductions: ReduceMean without keepdims, ReduceSum (opset 13: axes as a constant
    # input), Pow, and the unary functions.
    save("math_reduce",
         [helper.make_node("ReduceMean", ["x"], ["m"], name="mean", axes=[1], keepdims=0),
          helper.make_node("Exp", ["m"], ["e"], name="exp"),
          helper.make_node("Sqrt", ["e"], ["s"], name="sqrt"),
          helper.make_node("Neg", ["s"], ["n"], name="neg"),
          helper.make_node("Erf", ["n"], ["f"], name="erf"),
          helper.make_node("Pow", ["f", "two"], ["p"], name="pow"),
          helper.make_node("ReduceSum", ["x", "axes"], ["y2"], name="sum", keepdims=1),
          helper.make_node("ReduceMax", ["x"], ["y3"], name="max", axes=[-1])],
         [vi("x", ["N", 3, 4])], [vi("p", ["N", 4]), vi("y2", ["N", 1, 4]), vi("y3", ["N", 3, 1])],
         [const("two", np.float32(2.0)), const("axes", np.array([1], np.int64))])

    # Slice (negative step, clamped end), Split by sizes, Gather with constant 2-D indices and a
    # Cast through f16, all on computed tensors.
    save("slice_split_gather",
         [helper.make_node("Relu", ["x"], ["r"], name="relu"),
          helper.make_node("Slice", ["r", "starts", "ends", "axes", "steps"], ["s"], name="slice"),
          helper.make_node("Split", ["r", "sizes"], ["a", "b"], name="split", axis=2),
          helper.make_node("Gather", ["r", "idx"], ["g"], name="gather", axis=1),
          helper.make_node("Cast", ["r"], ["h"], name="to_half", to=TensorProto.FLOAT16),
          helper.make_node("Cast", ["h"], ["c"], name="to_float", to=TensorProto.FLOAT)],
         [vi("x", ["N", 4, 6])],
         [vi("s", ["N", 2, 3]), vi("a", ["N", 4, 2]), vi("b", ["N", 4, 4]),
          vi("g", ["N", 2, 2, 6]), vi("c", ["N", 4, 6])],
         [const("starts", np.array([1, -1], np.int64)),
          const("ends", np.array([3, -9223372036854775807], np.int64)),
          const("axes", np.array([1, 2], np.int64)), const("steps", np.array([1, -2], np.int64)),
          const("sizes", np.array([2, 4], np.int64)),
          const("idx", np.array([[0, 3], [-1, 1]], np.int64))])

    # ---- bad input ----
    with open("not_a_model.onnx", "wb") as f:
        f.write(b"this is not a protobuf \xff\xfe\x00 model\n")
    save("unsupported_op",
         [helper.make_node("Abs", ["x"], ["a"], name="abs1"),
          helper.make_node("Relu", ["a"], ["r"], name="relu1"),
          helper.make_node("Elu", ["r"], ["y"], name="elu1")],
         [vi("x", [2])], [vi("y", [2])])
    save("opset_too_old", [helper.make_node("Relu", ["x"], ["y"], name="relu1")],
         [vi("x", [2])], [vi("y", [2])], opset=6)
    save("opset_too_new", [helper.make_node("Relu", ["x"], ["y"], name="relu1")],
         [vi("x", [2])], [vi("y", [2])], opset=18)
    save("dangling_input", [helper.make_node("Add", ["x", "ghost"], ["y"], name="add1")],
         [vi("x", [2])], [vi("y", [2])])
    save("shape_mismatch", [helper.make_node("Add", ["x", "z"], ["y"], name="add1")],
         [vi("x", [2, 3]), vi("z", [4])], [vi("y", [2, 3])])
    save("type_mismatch", [helper.make_node("Add", ["x", "z"], ["y"], name="add1")],
         [vi("x", [2]), vi("z", [2], TensorProto.DOUBLE)], [vi("y", [2])])
    save("output_shape_mismatch", [helper.make_node("Relu", ["x"], ["y"], name="relu1")],
         [vi("x", [2, 3])], [vi("y", [3, 2])])
    save("unsupported_attribute",
         [helper.make_node("MaxPool", ["x"], ["y"], name="pool1", kernel_shape=[2, 2],
                           storage_order=1)],
         [vi("x", [1, 1, 4, 4])], [vi("y", [1, 1, 3, 3])])
    # Found by qopt-fuzz-onnx: a node that names no output was read past its output list.
    save("node_without_output",
         [helper.make_node("Sqrt", ["x"], [], name="sqrt1"),
          helper.make_node("Relu", ["x"], ["y"], name="relu1")],
         [vi("x", [2])], [vi("y", [2])])
    # Found by qopt-fuzz-onnx: split sizes whose sum overflows int64 (and wraps to the dimension).
    save("split_overflow",
         [helper.make_node("Split", ["x"], ["a", "b", "c"], name="split1", axis=0,
                           split=[2**63 - 1, 2**63 - 1, 6])],
         [vi("x", [4])], [vi("a", [1]), vi("b", [1]), vi("c", [2])], opset=11)
    # Indices and shapes given as float tensors (the importer read them as integers and crashed;
    # found by qopt-fuzz-onnx).
    save("float_indices",
         [helper.make_node("Gather", ["x", "i"], ["y"], name="gather1", axis=0)],
         [vi("x", [4, 2])], [vi("y", [2, 2])], [const("i", np.array([0.0, 2.0]))])
    save("float_shape",
         [helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape1")],
         [vi("x", [4, 2])], [vi("y", [8])], [const("s", np.array([8.0], np.float32))])
    # A Conv whose weight has a 0-wide kernel (found by qopt-fuzz-model).
    save("conv_empty_kernel",
         [helper.make_node("Conv", ["x", "w"], ["y"], name="conv1")],
         [vi("x", [1, 1, 4, 4])], [vi("y", [1, 2, 4, 5])],
         [const("w", np.zeros((2, 1, 1, 0), np.float32))])
    # Declared shapes no buffer can hold: an element count past int64, and 4 PiB of float32.
    save("shape_overflow", [helper.make_node("Relu", ["x"], ["y"], name="relu1")],
         [vi("x", [2**40, 2**30, 16])], [vi("y", [2**40, 2**30, 16])])
    save("shape_too_big", [helper.make_node("Relu", ["x"], ["y"], name="relu1")],
         [vi("x", ["batch", 2**20, 2**30])], [vi("y", ["batch", 2**20, 2**30])])


if __name__ == "__main__":
    main()
