#!/usr/bin/env python3
"""Prints what an ONNX importer has to handle: opset, node op types with counts, graph I/O shapes."""
import argparse
import collections
import sys


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("models", nargs="+", metavar="MODEL.onnx", help="ONNX files to inspect")
    return p.parse_args()


def dims(value_info):
    shape = value_info.type.tensor_type.shape
    return "[" + ", ".join(d.dim_param if d.HasField("dim_param") else str(d.dim_value)
                           for d in shape.dim) + "]"


def inspect(path):
    import onnx
    try:
        model = onnx.load(path)
    except FileNotFoundError:
        sys.exit(f"error: {path}: file not found")
    except Exception as e:
        sys.exit(f"error: {path}: cannot parse as ONNX: {e}")
    g = model.graph
    print(f"== {path}")
    print("opset: " + ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in model.opset_import))
    print(f"ir_version: {model.ir_version}, producer: {model.producer_name} {model.producer_version}")
    # Initializers are listed separately: since IR 4 they need not appear as graph inputs.
    inits = {t.name for t in g.initializer}
    elem = onnx.TensorProto.DataType.Name
    for v in g.input:
        if v.name not in inits:
            print(f"input:  {v.name} {elem(v.type.tensor_type.elem_type)} {dims(v)}")
    for v in g.output:
        print(f"output: {v.name} {elem(v.type.tensor_type.elem_type)} {dims(v)}")
    counts = collections.Counter(n.op_type for n in g.node)
    print(f"nodes: {len(g.node)}")
    for op, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {op:<20} {c}")
    print("node sequence:")
    for n in g.node:
        attrs = ", ".join(f"{a.name}={onnx.helper.get_attribute_value(a)}" for a in n.attribute)
        print(f"  {n.op_type}({', '.join(n.input)}) -> {', '.join(n.output)}" + (f"  {{{attrs}}}" if attrs else ""))
    print(f"initializers: {len(g.initializer)}")
    for t in g.initializer:
        print(f"  {t.name} {elem(t.data_type)} {list(t.dims)}")


def main():
    for path in parse_args().models:
        inspect(path)


if __name__ == "__main__":
    main()
