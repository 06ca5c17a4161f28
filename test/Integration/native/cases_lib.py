"""The helpers of make_cases.py: the seeded random source, the case registry, MLIR type and
constant spelling, and the Graph builder the case families write their models with."""
import numpy as np

RNG = np.random.default_rng(20261201)
CASES = {}  # name -> (family, text)


# ---------------------------------------------------------------------------------------------
# Types and constants
# ---------------------------------------------------------------------------------------------

def f(v):
    """A float literal MLIR parses back to the same f32."""
    return repr(float(np.float32(v)))


def qt(storage, scale, zp, expressed="f32"):
    """A per-tensor quantized type."""
    return "!quant.uniform<%s:%s, %s:%d>" % (storage, expressed, f(scale), zp)


def qt_axis(storage, axis, scales, zps=None, expressed="f32"):
    zps = zps if zps is not None else [0] * len(scales)
    params = ", ".join("%s:%d" % (f(s), z) if z else f(s) for s, z in zip(scales, zps))
    return "!quant.uniform<%s:%s:%d, {%s}>" % (storage, expressed, axis, params)


def tt(shape, elt):
    dims = "x".join("?" if d is None else str(d) for d in shape)
    return "tensor<%s%s%s>" % (dims, "x" if dims else "", elt)


def dense(values, shape, elt):
    """A dense literal of `values` (flattened) with `shape`."""
    a = np.asarray(values).reshape(shape)

    def lit(x):
        if elt in ("f32", "f16", "bf16"):
            return f(x)
        return str(int(x))

    def rec(x):
        if x.ndim == 0:
            return lit(x)
        return "[" + ", ".join(rec(y) for y in x) + "]"

    if a.ndim == 0:
        return "dense<%s> : tensor<%s>" % (lit(a), elt)
    return "dense<%s> : %s" % (rec(a), tt(shape, elt))


class Graph:
    """A function under construction: arguments, a body and results."""

    def __init__(self, name):
        self.name = name
        self.args, self.body, self.results = [], [], []
        self.count = 0
        self.labels = {}  # value -> the op that made it, to name the results

    def arg(self, ttype):
        n = "%%arg%d" % len(self.args)
        self.args.append((n, ttype))
        return n, ttype

    def op(self, text, rtype):
        n = "%%v%d" % self.count
        self.count += 1
        self.body.append("  %s = %s -> %s" % (n, text, rtype))
        return n, rtype

    def const(self, values, shape, elt, qtype=None):
        """A constant; a quantized one stores its integers and names `qtype` as its type."""
        n = "%%v%d" % self.count
        self.count += 1
        lit = dense(values, shape, elt)
        if qtype is None:
            self.body.append("  %s = qopt.constant %s" % (n, lit))
            return n, tt(shape, elt)
        r = tt(shape, qtype)
        self.body.append("  %s = qopt.constant %s -> %s" % (n, lit, r))
        return n, r

    def call(self, opname, operands, rtype, attrs=""):
        names = ", ".join(o[0] for o in operands)
        types = ", ".join(o[1] for o in operands)
        a = " {%s}" % attrs if attrs else ""
        v = self.op("qopt.%s %s%s : (%s)" % (opname, names, a, types), rtype)
        self.labels[v[0]] = opname
        return v

    def ret(self, *values):
        self.results.extend(values)

    def text(self):
        args = ", ".join("%s: %s" % a for a in self.args)
        res = ", ".join(r[1] for r in self.results)
        # qopt.name names each output in qopt-native-check's lines: r<index>_<op>.
        named = ", ".join('%s {qopt.name = "r%d_%s"}' % (r[1], i, self.labels.get(r[0], "value"))
                          for i, r in enumerate(self.results))
        lines = ["func.func @%s(%s) -> (%s) {" % (self.name, args, named)]
        lines += self.body
        lines.append("  return %s : %s" % (", ".join(r[0] for r in self.results), res))
        lines.append("}")
        return "\n".join(lines) + "\n"


def add_case(family, g):
    assert g.name not in CASES, g.name
    CASES[g.name] = (family, g.text())


def normal(shape, std=1.0):
    return RNG.normal(0.0, std, size=shape).astype(np.float32)


def float_elt_values(values, elt):
    """Values rounded to `elt` so that the constant's literal is exact in it."""
    v = np.asarray(values, dtype=np.float32)
    if elt == "f16":
        return v.astype(np.float16).astype(np.float32)
    if elt == "bf16":
        b = v.view(np.uint32)
        b = ((b + 0x7FFF + ((b >> 16) & 1)) & 0xFFFF0000).astype(np.uint32)
        return b.view(np.float32)
    return v
