"""Writes the small models of the native backend's op x precision tests (test/Integration/native).

  make_cases.py OUT_DIR [FAMILY...]

One .mlir file per (op family, precision) case, written directly in the qopt dialect with random
constants from a fixed seed, so every run writes the same files. The lit tests run
qopt-native-check on each file, which compiles it natively per target and compares every graph
output with the reference executor. Quantized tensors are graph outputs (next to their
dequantized values) so that every integer result is compared bit for bit.

Shapes are awkward on purpose: K and N not multiples of the GEMM tiles (int8: 48 columns x K
groups of 4 on avx512, 16 columns on avx2; float: 48 / 16), and most models have a dynamic batch
so that qopt-native-check runs batches 1, 3 and 64.
"""
import os
import sys

import numpy as np

# Helpers (types, constants, the Graph builder) live in cases_lib.py, next to this file.
from cases_lib import CASES, RNG, Graph, add_case, float_elt_values, normal, qt, qt_axis, tt


# ---------------------------------------------------------------------------------------------
# int8 linear ops
# ---------------------------------------------------------------------------------------------

ACT = {"none": "", "relu": "activation = #qopt.activation<relu>",
       "relu6": "activation = #qopt.activation<relu6>"}


def int8_weight(g, n, k, per_channel=True, full_range=False, extra_shape=()):
    lo = -128 if full_range else -127
    w = RNG.integers(lo, 128, size=(n, k) + tuple(extra_shape))
    w.flat[0] = lo  # the weight's edge values meet the inputs' edge values
    if w.size > 1:
        w.flat[1] = 127
    shape = (n, k) + tuple(extra_shape)
    if per_channel:
        scales = RNG.uniform(0.002, 0.02, size=n)
        storage = "i8" if full_range else "i8<-127:127>"
        qtype = qt_axis(storage, 0, scales)
    else:
        scales = np.full(n, 0.01)
        qtype = qt("i8" if full_range else "i8<-127:127>", 0.01, 0)
    return g.const(w, shape, "i8", qtype), w.reshape(n, -1).astype(np.float64), scales


def out_scale(x_scale, x_zp, lo, hi, w, w_scales, saturate):
    """An output scale that fits (or, with `saturate`, overflows) the real results."""
    xs = RNG.integers(lo, hi + 1, size=(64, w.shape[1])).astype(np.float64)
    real = ((xs - x_zp) * x_scale) @ (w * w_scales[:, None]).T
    spread = max(float(np.std(real)), 1e-3)
    return spread / (8.0 if saturate else 0.6) / 255.0 * 4.0


def fc_int8_case(name, x_storage, x_zp, k, outs, rows=None):
    """One u8/i8 input [?, K] (or a static [rows, K]) feeding several fully_connected ops; `outs`
    lists (N, bias kind, activation, result kind, result zp, saturate, per_channel, full_range)."""
    g = Graph(name)
    lo, hi = (0, 255) if x_storage == "u8" else (-128, 127)
    x_scale = 0.05
    batch = rows
    x = g.arg(tt((batch, k), qt(x_storage, x_scale, x_zp)))
    results = []
    for n, bias, act, rkind, rzp, sat, per_ch, full in outs:
        w, wv, ws = int8_weight(g, n, k, per_ch, full)
        ops = [x, w]
        if bias == "i32":
            bscales = [x_scale * s for s in ws]
            ops.append(g.const(RNG.integers(-3000, 3000, size=n), (n,), "i32",
                               qt_axis("i32", 0, bscales)))
        elif bias == "f32":
            ops.append(g.const(normal(n, 0.5), (n,), "f32"))
        if rkind == "f32":
            y = g.call("fully_connected", ops, tt((batch, n), "f32"), ACT[act])
            results.append(y)
            continue
        s = out_scale(x_scale, x_zp, lo, hi, wv, ws, sat)
        y = g.call("fully_connected", ops, tt((batch, n), qt(rkind, s, rzp)), ACT[act])
        results.append(y)
        results.append(g.call("dequantize", [y], tt((batch, n), "f32")))
    g.ret(*results)
    add_case("threads" if name.endswith("_threads") else "linear-int8", g)


def conv_int8_case(name, x_storage, x_zp, c, h, w_, o, kh, kw, groups, strides, pads, dil,
                   act="none", static=False, family="linear-int8"):
    g = Graph(name)
    x_scale = 0.04
    batch = 1 if static else None
    x = g.arg(tt((batch, c, h, w_), qt(x_storage, x_scale, x_zp)))
    cg = c // groups
    wq = RNG.integers(-127, 128, size=(o, cg, kh, kw))
    wq.flat[0], wq.flat[1] = -127, 127
    ws = RNG.uniform(0.002, 0.02, size=o)
    wt = g.const(wq, (o, cg, kh, kw), "i8", qt_axis("i8<-127:127>", 0, ws))
    b = g.const(RNG.integers(-2000, 2000, size=o), (o,), "i32",
                qt_axis("i32", 0, [x_scale * s for s in ws]))
    oh = (h + pads[0] + pads[2] - dil[0] * (kh - 1) - 1) // strides[0] + 1
    ow = (w_ + pads[1] + pads[3] - dil[1] * (kw - 1) - 1) // strides[1] + 1
    attrs = "dilations = array<i64: %d, %d>, groups = %d : i64, pads = array<i64: %s>, " \
            "strides = array<i64: %d, %d>" % (dil[0], dil[1], groups,
                                               ", ".join(map(str, pads)), strides[0], strides[1])
    if ACT[act]:
        attrs = ACT[act] + ", " + attrs
    lo, hi = (0, 255) if x_storage == "u8" else (-128, 127)
    s = out_scale(x_scale, x_zp, lo, hi, wq.reshape(o, -1).astype(np.float64), ws, False)
    s *= np.sqrt(groups)
    rshape = (batch, o, oh, ow)
    y = g.call("conv2d", [x, wt, b], tt(rshape, qt("u8", s, 3)), attrs)
    # The same conv without a bias to an i8 result that saturates, and to f32.
    y2 = g.call("conv2d", [x, wt], tt(rshape, qt("i8", s / 6, -7)), attrs)
    y3 = g.call("conv2d", [x, wt, b], tt(rshape, "f32"), attrs)
    g.ret(y, g.call("dequantize", [y], tt(rshape, "f32")), y2, y3)
    add_case(family, g)


def linear_int8_cases():
    # (N, bias, act, result, result zp, saturate, per-channel weight, full-range weight)
    fc_int8_case("fc_u8_zp0_k1", "u8", 0, 1, [
        (1, "i32", "none", "u8", 0, False, True, False),
        (17, "none", "relu", "i8", -128, False, True, False),
        (50, "f32", "none", "f32", 0, False, True, False)])
    fc_int8_case("fc_u8_zp37_k3", "u8", 37, 3, [
        (3, "i32", "relu", "u8", 37, False, True, False),
        (97, "i32", "none", "i8", 5, True, True, False),
        (17, "none", "none", "f32", 0, False, False, False)])
    fc_int8_case("fc_u8_zp255_k5", "u8", 255, 5, [
        (50, "i32", "relu6", "u8", 0, False, True, False),
        (1, "f32", "relu", "f32", 0, False, True, False),
        (97, "none", "none", "u8", 255, True, True, False)])
    fc_int8_case("fc_u8_zp128_k70", "u8", 128, 70, [
        (17, "i32", "none", "u8", 128, False, True, False),
        (50, "i32", "relu", "u8", 0, True, True, False),
        (97, "f32", "relu6", "f32", 0, False, True, False),
        (3, "none", "none", "i8", 0, False, True, True)])
    fc_int8_case("fc_u8_zp37_k131", "u8", 37, 131, [
        (97, "i32", "relu", "u8", 37, False, True, False),
        (1, "i32", "none", "i8", -128, True, True, False),
        (50, "none", "relu6", "f32", 0, False, False, False),
        (48, "f32", "none", "u8", 200, False, True, True)])
    fc_int8_case("fc_i8_zpm128_k3", "i8", -128, 3, [
        (17, "i32", "none", "i8", 0, False, True, False),
        (50, "none", "relu", "u8", 0, False, True, False),
        (1, "f32", "none", "f32", 0, False, True, False)])
    fc_int8_case("fc_i8_zp0_k70", "i8", 0, 70, [
        (97, "i32", "relu6", "u8", 10, False, True, False),
        (3, "i32", "none", "i8", -3, True, True, True),
        (17, "f32", "relu", "f32", 0, False, True, False)])
    fc_int8_case("fc_i8_zp127_k131", "i8", 127, 131, [
        (50, "i32", "none", "i8", 127, False, True, False),
        (17, "none", "none", "u8", 128, True, True, False),
        (97, "i32", "relu", "f32", 0, False, False, True)])
    fc_int8_case("fc_i8_zp5_k5", "i8", 5, 5, [
        (1, "none", "relu6", "i8", -100, False, True, False),
        (3, "i32", "none", "u8", 0, True, True, False),
        (64, "f32", "none", "f32", 0, False, True, False)])
    # conv2d: plain, grouped, depthwise (C == groups, multiplier 2), strides, dilations,
    # asymmetric pads, odd sizes; u8 and i8 activations with nonzero zero points.
    conv_int8_case("conv_u8_plain", "u8", 37, 3, 7, 9, 5, 3, 3, 1, (1, 1), (1, 0, 2, 1), (1, 1),
                   "relu")
    conv_int8_case("conv_u8_groups", "u8", 255, 6, 8, 5, 9, 3, 2, 3, (2, 1), (0, 1, 1, 0),
                   (1, 2))
    conv_int8_case("conv_u8_depthwise", "u8", 0, 5, 9, 7, 10, 3, 3, 5, (2, 2), (1, 1, 1, 1),
                   (1, 1), "relu6")
    conv_int8_case("conv_i8_dilated", "i8", -128, 4, 11, 6, 17, 2, 3, 1, (1, 2), (2, 0, 0, 3),
                   (2, 1))
    conv_int8_case("conv_i8_static_1x1", "i8", 9, 35, 3, 3, 50, 1, 1, 1, (1, 1), (0, 0, 0, 0),
                   (1, 1), static=True)
    # The avx512 ROWS GEMM (pixels in the vector lanes): 1x1 convs read in place (several 48-pixel
    # panels, a partial last one, channels and K not whole blocks of 8 and 4), grouped, strided, and
    # a 3-channel 3x3 stride-2 conv gathered into its [K][P] matrix.
    conv_int8_case("conv_u8_pw_wide", "u8", 37, 13, 10, 11, 19, 1, 1, 1, (1, 1), (0, 0, 0, 0),
                   (1, 1), "relu")
    conv_int8_case("conv_u8_pw_groups", "u8", 0, 12, 7, 8, 18, 1, 1, 3, (1, 1), (0, 0, 0, 0),
                   (1, 1))
    conv_int8_case("conv_i8_pw_s2", "i8", -3, 9, 9, 13, 10, 1, 1, 1, (2, 2), (0, 0, 0, 0), (1, 1))
    conv_int8_case("conv_u8_c3_s2_wide", "u8", 200, 3, 15, 20, 9, 3, 3, 1, (2, 2), (1, 1, 1, 1),
                   (1, 1), "relu6")
    # Depthwise (channels == groups) runs the direct kernel, not im2col + GEMM: 3x3 at strides 1
    # and 2 with pad 1 over widths that are not whole vectors (17, 33, 70: 16 lanes on avx512,
    # 8 on avx2), multipliers 1 and 2, and an odd geometry (stride 3, dilation, 2x5 kernel,
    # asymmetric pads) for the generic phase-plane addressing.
    conv_int8_case("dw_u8_s1_w17", "u8", 37, 4, 6, 17, 4, 3, 3, 4, (1, 1), (1, 1, 1, 1), (1, 1),
                   "relu")
    conv_int8_case("dw_i8_s2_w33_m2", "i8", -5, 3, 7, 33, 6, 3, 3, 3, (2, 2), (1, 1, 1, 1),
                   (1, 1), "relu6")
    conv_int8_case("dw_u8_s1_w70_m2", "u8", 200, 2, 4, 70, 4, 3, 3, 2, (1, 1), (1, 1, 1, 1),
                   (1, 1))
    conv_int8_case("dw_i8_s1_w33", "i8", 9, 3, 5, 33, 3, 3, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1),
                   "relu")
    conv_int8_case("dw_u8_s2_w70", "u8", 128, 2, 9, 70, 2, 3, 3, 2, (2, 2), (1, 1, 1, 1), (1, 1),
                   "relu6")
    conv_int8_case("dw_i8_odd", "i8", 100, 3, 9, 20, 3, 2, 5, 3, (3, 3), (0, 2, 1, 3), (2, 1))
    # Kernel rows wider than 4 taps at strides 1 and 2 (avx512 does 4 taps per vpdpbusd: two or
    # more tap groups per row), with vertical dilation and stride.
    conv_int8_case("dw_u8_s1_k3x7", "u8", 61, 2, 8, 21, 4, 3, 7, 2, (1, 1), (1, 3, 2, 3), (2, 1),
                   "relu")
    conv_int8_case("dw_i8_s2_k2x6", "i8", -77, 2, 7, 40, 2, 2, 6, 2, (2, 2), (0, 2, 1, 3), (1, 1))


# ---------------------------------------------------------------------------------------------
# float linear ops
# ---------------------------------------------------------------------------------------------

def fc_float_case(elt, k, outs, static=False, rows=5, suffix=""):
    name = "fc_%s_k%d%s%s" % (elt, k, "_static" if static else "", suffix)
    g = Graph(name)
    batch = rows if static else None
    x = g.arg(tt((batch, k), elt))
    res = []
    for n, bias, act in outs:
        w = g.const(float_elt_values(normal((n, k), 1 / np.sqrt(k)), elt), (n, k), elt)
        ops = [x, w]
        if bias:
            ops.append(g.const(float_elt_values(normal(n, 0.5), elt), (n,), elt))
        res.append(g.call("fully_connected", ops, tt((batch, n), elt), ACT[act]))
    g.ret(*res)
    add_case("threads" if suffix else "linear-float", g)


def conv_float_case(elt, name, c, h, w_, o, kh, kw, groups, strides, pads, dil, act="none",
                    bias=True, runtime=False, family="linear-float"):
    g = Graph("conv_%s_%s" % (elt, name))
    # Runtime weights make a static model (native code takes all inputs batched or none).
    batch = 1 if runtime else None
    x = g.arg(tt((batch, c, h, w_), elt))
    if runtime:
        wt = g.arg(tt((o, c // groups, kh, kw), elt))
    else:
        wt = g.const(float_elt_values(normal((o, c // groups, kh, kw), 0.3), elt),
                     (o, c // groups, kh, kw), elt)
    ops = [x, wt]
    if bias:
        ops.append(g.arg(tt((o,), elt)) if runtime else
                   g.const(float_elt_values(normal(o, 0.5), elt), (o,), elt))
    oh = (h + pads[0] + pads[2] - dil[0] * (kh - 1) - 1) // strides[0] + 1
    ow = (w_ + pads[1] + pads[3] - dil[1] * (kw - 1) - 1) // strides[1] + 1
    attrs = "dilations = array<i64: %d, %d>, groups = %d : i64, pads = array<i64: %s>, " \
            "strides = array<i64: %d, %d>" % (dil[0], dil[1], groups,
                                               ", ".join(map(str, pads)), strides[0], strides[1])
    if ACT[act]:
        attrs = ACT[act] + ", " + attrs
    g.ret(g.call("conv2d", ops, tt((batch, o, oh, ow), elt), attrs))
    add_case(family, g)


def matmul_case(elt):
    # Under the batch convention a batched operand's leading dim is the sample, so the dynamic
    # model has rank >= 3 operands: [?, 5, 70] x [70, 97] (a 2-D constant broadcast over the
    # samples), [?, 3, 5, 17] x [3, 17, 3] (a batched constant), and activation x activation with
    # a broadcast dim. The plain 2-D matmul is the static model.
    g = Graph("matmul_%s" % elt)
    x = g.arg(tt((None, 5, 70), elt))
    a = g.arg(tt((None, 3, 5, 17), elt))
    b = g.arg(tt((None, 1, 17, 50), elt))
    w = g.const(float_elt_values(normal((70, 97), 0.12), elt), (70, 97), elt)
    wb = g.const(float_elt_values(normal((3, 17, 3), 0.25), elt), (3, 17, 3), elt)
    g.ret(g.call("matmul", [x, w], tt((None, 5, 97), elt)),
          g.call("matmul", [a, wb], tt((None, 3, 5, 3), elt)),
          g.call("matmul", [a, b], tt((None, 3, 5, 50), elt)))
    add_case("linear-float", g)
    g = Graph("matmul_%s_static_2d" % elt)
    x = g.arg(tt((5, 131), elt))
    y = g.arg(tt((131, 17), elt))
    w = g.const(float_elt_values(normal((131, 50), 0.09), elt), (131, 50), elt)
    g.ret(g.call("matmul", [x, w], tt((5, 50), elt)), g.call("matmul", [x, y], tt((5, 17), elt)))
    add_case("linear-float", g)


def linear_float_cases():
    for elt in ("f32", "f16", "bf16"):
        fc_float_case(elt, 1, [(1, True, "none"), (50, False, "relu")])
        fc_float_case(elt, 5, [(17, True, "relu6"), (3, True, "none")])
        fc_float_case(elt, 70, [(97, True, "relu"), (48, False, "none")])
        fc_float_case(elt, 131, [(50, True, "none"), (1, False, "relu6"), (17, True, "none")])
        fc_float_case(elt, 3, [(97, True, "none"), (16, True, "relu")], static=True)
        conv_float_case(elt, "plain", 3, 7, 9, 5, 3, 3, 1, (1, 1), (1, 0, 2, 1), (1, 1), "relu")
        conv_float_case(elt, "groups", 6, 8, 5, 9, 3, 2, 3, (2, 1), (0, 1, 1, 0), (1, 2),
                        bias=False)
        conv_float_case(elt, "depthwise", 5, 9, 7, 10, 3, 3, 5, (2, 2), (1, 1, 1, 1), (1, 1),
                        "relu6")
        conv_float_case(elt, "dilated", 4, 11, 6, 17, 2, 3, 1, (1, 2), (2, 0, 0, 3), (2, 1))
        # The avx512 ROWS GEMM (see linear_int8_cases), and a 16-channel 3x3 conv on it.
        conv_float_case(elt, "pw_wide", 13, 10, 11, 19, 1, 1, 1, (1, 1), (0, 0, 0, 0), (1, 1),
                        "relu")
        conv_float_case(elt, "pw_groups", 12, 7, 8, 18, 1, 1, 3, (1, 1), (0, 0, 0, 0), (1, 1),
                        bias=False)
        conv_float_case(elt, "c3_s2_wide", 3, 15, 20, 9, 3, 3, 1, (2, 2), (1, 1, 1, 1), (1, 1),
                        "relu6")
        conv_float_case(elt, "c16_3x3", 16, 9, 12, 10, 3, 3, 1, (1, 1), (1, 1, 1, 1), (1, 1))
        # The direct depthwise kernel (see linear_int8_cases).
        conv_float_case(elt, "dw_s1_w17", 4, 6, 17, 4, 3, 3, 4, (1, 1), (1, 1, 1, 1), (1, 1),
                        "relu")
        conv_float_case(elt, "dw_s2_w33_m2", 3, 7, 33, 6, 3, 3, 3, (2, 2), (1, 1, 1, 1), (1, 1),
                        "relu6")
        conv_float_case(elt, "dw_s1_w70_m2", 2, 4, 70, 4, 3, 3, 2, (1, 1), (1, 1, 1, 1), (1, 1),
                        bias=False)
        conv_float_case(elt, "dw_odd", 3, 9, 20, 3, 2, 5, 3, (3, 3), (0, 2, 1, 3), (2, 1))
        matmul_case(elt)
    # A depthwise weight and bias the graph computes (graph inputs of a static model here): the
    # kernel reads them as they are instead of packing them.
    conv_float_case("f32", "dw_runtime_weights", 3, 7, 33, 6, 3, 3, 3, (2, 2), (1, 1, 1, 1),
                    (1, 1), "relu", runtime=True)


# ---------------------------------------------------------------------------------------------
# Elementwise: activations, unary math, binary ops with broadcasting, softmax
# ---------------------------------------------------------------------------------------------

UNARY = [("relu", ""), ("clamp", "max = 2.5 : f32, min = -1.25 : f32"),
         ("leaky_relu", "alpha = 0.2 : f32"), ("sigmoid", ""), ("tanh", ""), ("gelu", ""),
         ("gelu", "approximate_tanh = true"), ("exp", ""), ("sqrt", ""), ("neg", ""),
         ("erf", "")]


def unary_cases():
    for elt in ("f32", "f16", "bf16"):
        g = Graph("unary_%s" % elt)
        x = g.arg(tt((None, 7, 19), elt))
        g.ret(*[g.call(op, [x], tt((None, 7, 19), elt), a) for op, a in UNARY])
        add_case("elementwise", g)
        # Static, a size that is no multiple of any vector width.
        g = Graph("unary_%s_static" % elt)
        x = g.arg(tt((3, 37), elt))
        g.ret(*[g.call(op, [x], tt((3, 37), elt), a) for op, a in UNARY])
        add_case("elementwise", g)


def binary_cases():
    for elt in ("f32", "f16", "bf16"):
        g = Graph("binary_%s" % elt)
        s = (None, 3, 5)
        x = g.arg(tt(s, elt))
        y = g.arg(tt(s, elt))
        row = g.arg(tt((None, 1, 5), elt))
        c5 = g.const(float_elt_values(normal(5), elt), (5,), elt)
        c31 = g.const(float_elt_values(normal((3, 1)), elt), (3, 1), elt)
        c135 = g.const(float_elt_values(normal((1, 3, 5)), elt), (1, 3, 5), elt)
        e = g.const(float_elt_values([2.0, 0.5, 3.0, -1.0, 1.5], elt), (5,), elt)
        scalar = g.const(float_elt_values(1.75, elt), (), elt)
        out = tt(s, elt)
        g.ret(g.call("add", [x, y], out), g.call("add", [x, c5], out),
              g.call("sub", [c31, x], out), g.call("sub", [x, row], out),
              g.call("mul", [x, c135], out), g.call("mul", [row, x], out),
              g.call("div", [x, c31], out), g.call("div", [x, y], out),
              g.call("pow", [x, e], out), g.call("mul", [x, scalar], out))
        add_case("elementwise", g)


def softmax_cases():
    for elt in ("f32", "f16", "bf16"):
        g = Graph("softmax_%s" % elt)
        x = g.arg(tt((None, 6, 33), elt))
        t = tt((None, 6, 33), elt)
        g.ret(g.call("softmax", [x], t), g.call("softmax", [x], t, "axis = 1 : i64"),
              g.call("log_softmax", [x], t), g.call("log_softmax", [x], t, "axis = -2 : i64"))
        add_case("softmax", g)


# ---------------------------------------------------------------------------------------------
# Normalization, pools, reductions
# ---------------------------------------------------------------------------------------------

def norm_cases():
    for elt in ("f32", "f16", "bf16"):
        g = Graph("layer_norm_%s" % elt)
        x = g.arg(tt((None, 4, 37), elt))
        gam = g.const(float_elt_values(normal(37, 0.5) + 1, elt), (37,), elt)
        bet = g.const(float_elt_values(normal(37, 0.5), elt), (37,), elt)
        gam2 = g.const(float_elt_values(normal((4, 37), 0.5) + 1, elt), (4, 37), elt)
        t = tt((None, 4, 37), elt)
        g.ret(g.call("layer_norm", [x, gam, bet], t),
              g.call("layer_norm", [x, gam], t, "epsilon = 1.0e-3 : f32"),
              g.call("layer_norm", [x, gam2], t, "axis = 1 : i64"))
        add_case("norm", g)
        g = Graph("batch_norm_%s" % elt)
        x4 = g.arg(tt((None, 5, 3, 7), elt))
        x2 = g.arg(tt((None, 5), elt))
        p = [g.const(float_elt_values(v, elt), (5,), elt) for v in
             (normal(5, 0.5) + 1, normal(5, 0.5), normal(5, 0.5), RNG.uniform(0.1, 2.0, 5))]
        g.ret(g.call("batch_norm", [x4] + p, tt((None, 5, 3, 7), elt)),
              g.call("batch_norm", [x2] + p, tt((None, 5), elt), "epsilon = 1.0e-2 : f32"))
        add_case("norm", g)


def pool_geom(h, w, k, s, p, d=(1, 1), ceil=False):
    def one(n, kk, ss, p0, p1, dd):
        span = n + p0 + p1 - dd * (kk - 1) - 1
        o = (span + (ss - 1 if ceil else 0)) // ss + 1
        if ceil and (o - 1) * ss >= n + p0:
            o -= 1
        return o
    return one(h, k[0], s[0], p[0], p[2], d[0]), one(w, k[1], s[1], p[1], p[3], d[1])


def pool_attrs(k, s, p, d=None, ceil=False, cip=False):
    a = ["kernel = array<i64: %d, %d>" % k, "strides = array<i64: %d, %d>" % s,
         "pads = array<i64: %d, %d, %d, %d>" % p]
    if d:
        a.append("dilations = array<i64: %d, %d>" % d)
    if ceil:
        a.append("ceil_mode = true")
    if cip:
        a.append("count_include_pad = true")
    return ", ".join(a)


def pool_cases():
    # max_pool2d on every storage it lowers for: u8 / i8 (per tensor, result type = input type)
    # and the float types; avg_pool2d and global_avg_pool on the float types.
    geoms = [((3, 3), (2, 2), (1, 1, 1, 1), None, False), ((2, 3), (1, 2), (0, 1, 1, 0), (2, 1),
                                                             False),
             ((3, 2), (2, 3), (1, 0, 0, 1), None, True)]
    h, w = 9, 11
    # max_pool2d also gets the 2x2 / stride 2 window without padding (the kernel's fast path), on
    # rows wide enough for a full vector of outputs and a tail (37 -> 18 outputs).
    mh, mw = 9, 37
    for elt in ("u8", "i8", "f32", "f16", "bf16"):
        g = Graph("max_pool_%s" % elt)
        e = {"u8": qt("u8", 0.1, 37), "i8": qt("i8", 0.1, -5)}.get(elt, elt)
        x = g.arg(tt((None, 3, mh, mw), e))
        res = []
        h, w = mh, mw
        for k, s, p, d, ceil in geoms + [((2, 2), (2, 2), (0, 0, 0, 0), None, False)]:
            oh, ow = pool_geom(h, w, k, s, p, d or (1, 1), ceil)
            res.append(g.call("max_pool2d", [x], tt((None, 3, oh, ow), e),
                              pool_attrs(k, s, p, d, ceil)))
        g.ret(*res)
        add_case("pool", g)
    h, w = 9, 11
    for elt in ("f32", "f16", "bf16"):
        g = Graph("avg_pool_%s" % elt)
        x = g.arg(tt((None, 3, h, w), elt))
        res = []
        for (k, s, p, _, ceil), cip in zip(geoms, (False, True, False)):
            oh, ow = pool_geom(h, w, k, s, p, (1, 1), ceil)
            res.append(g.call("avg_pool2d", [x], tt((None, 3, oh, ow), elt),
                              pool_attrs(k, s, p, None, ceil, cip)))
        oh, ow = pool_geom(h, w, (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), False)
        res.append(g.call("avg_pool2d", [x], tt((None, 3, oh, ow), elt),
                          pool_attrs((3, 3), (2, 2), (1, 1, 1, 1))))
        res.append(g.call("global_avg_pool", [x], tt((None, 3, 1, 1), elt)))
        g.ret(*res)
        add_case("pool", g)


def reduce_cases():
    for elt in ("f32", "f16", "bf16"):
        g = Graph("reduce_%s" % elt)
        x = g.arg(tt((None, 4, 5, 23), elt))
        res = []
        for op in ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min"):
            res.append(g.call(op, [x], tt((None, 4, 5, 1), elt), "axes = array<i64: -1>"))
            res.append(g.call(op, [x], tt((None, 5, 23), elt),
                              "axes = array<i64: 1>, keepdims = false"))
            res.append(g.call(op, [x], tt((None, 1, 5, 1), elt), "axes = array<i64: 3, 1>"))
            res.append(g.call(op, [x], tt((None,), elt),
                              "axes = array<i64: 1, 2, 3>, keepdims = false"))
        g.ret(*res)
        add_case("reduce", g)
        # A static tensor reduced over every dimension (empty axes).
        g = Graph("reduce_%s_static_all" % elt)
        x = g.arg(tt((1, 3, 41), elt))
        g.ret(g.call("reduce_sum", [x], tt((1, 1, 1), elt), "axes = array<i64>"),
              g.call("reduce_max", [x], tt((), elt), "axes = array<i64>, keepdims = false"))
        add_case("reduce", g)


# ---------------------------------------------------------------------------------------------
# Movement
# ---------------------------------------------------------------------------------------------

def movement_cases():
    for elt in ("f32", "f16", "u8", "i8"):
        e = {"u8": qt("u8", 0.1, 37), "i8": qt("i8", 0.1, -5)}.get(elt, elt)
        g = Graph("movement_%s" % elt)
        x = g.arg(tt((None, 3, 4, 5), e))
        y = g.arg(tt((None, 2, 4, 5), e))
        res = [g.call("transpose", [x], tt((None, 5, 3, 4), e), "perm = array<i64: 0, 3, 1, 2>"),
               g.call("concat", [x, y, x], tt((None, 8, 4, 5), e), "axis = 1 : i64"),
               g.call("concat", [x, x], tt((None, 3, 4, 10), e), "axis = -1 : i64"),
               g.call("slice", [x], tt((None, 2, 1, 3), e),
                      "ends = array<i64: 9223372036854775807, 3, -1, -6>, "
                      "starts = array<i64: 0, 1, 1, -1>, steps = array<i64: 1, 1, 2, -2>"),
               g.call("gather", [x], tt((None, 3, 2, 3, 5), e),
                      "axis = 2 : i64, indices = array<i64: 3, 0, -1, 1, 1, 2>, "
                      "indices_shape = array<i64: 2, 3>"),
               g.call("reshape", [x], tt((None, 12, 5), e)),
               g.call("flatten", [x], tt((None, 60), e))]
        g.ret(*res)
        add_case("movement", g)


# ---------------------------------------------------------------------------------------------
# Quantization and casts
# ---------------------------------------------------------------------------------------------

def quant_cases():
    for elt in ("f32", "f16", "bf16"):
        g = Graph("quantize_%s" % elt)
        x = g.arg(tt((None, 3, 21), elt))
        t = lambda q: tt((None, 3, 21), q)
        res = []
        for storage, scale, zp in (("u8", 0.05, 0), ("u8", 0.02, 37), ("u8", 0.1, 255),
                                   ("i8", 0.05, -128), ("i8", 0.03, 127), ("i8", 0.07, 0),
                                   ("i8<-127:127>", 0.05, 3)):
            res.append(g.call("quantize", [x], t(qt(storage, scale, zp, elt))))
        res.append(g.call("quantize", [x], t(qt_axis("u8", 2, RNG.uniform(0.01, 0.1, 21),
                                                      RNG.integers(0, 256, 21), elt))))
        res.append(g.call("quantize", [x], t(qt_axis("i8", 1, [0.02, 0.05, 0.1],
                                                      [-128, 0, 127], elt))))
        g.ret(*res)
        add_case("quant", g)

        g = Graph("dequantize_%s" % elt)
        types = [qt("u8", 0.05, 0, elt), qt("u8", 0.02, 255, elt), qt("i8", 0.05, -128, elt),
                 qt("i8", 0.03, 127, elt), qt_axis("u8", 1, [0.1, 0.02, 0.5], [0, 37, 255], elt),
                 qt_axis("i8", 2, RNG.uniform(0.01, 0.1, 21), RNG.integers(-128, 128, 21), elt)]
        args = [g.arg(tt((None, 3, 21), q)) for q in types]
        g.ret(*[g.call("dequantize", [a], tt((None, 3, 21), elt)) for a in args])
        add_case("quant", g)

    # requantize: per tensor, with scale changes that saturate, sign changes and a narrow range.
    g = Graph("requantize")
    xu = g.arg(tt((None, 4, 13), qt("u8", 0.05, 37)))
    xi = g.arg(tt((None, 4, 13), qt("i8", 0.05, -3)))
    t = lambda q: tt((None, 4, 13), q)
    res = [g.call("requantize", [xu], t(qt("u8", 0.01, 0))),
           g.call("requantize", [xu], t(qt("u8", 0.2, 255))),
           g.call("requantize", [xu], t(qt("i8", 0.03, -128))),
           g.call("requantize", [xi], t(qt("u8", 0.05, 128))),
           g.call("requantize", [xi], t(qt("i8", 0.005, 127))),
           g.call("requantize", [xi], t(qt("i8<-127:127>", 0.04, 0))),
           g.call("requantize", [xi], t(qt("i8", 0.02, 3)))]
    # Per-axis requantize is left out: the native lowering takes per-tensor types only (a clean
    # compile error, see lower-to-kernels-refused.mlir).
    g.ret(*res)
    add_case("quant", g)

    for elt in ("f32", "f16", "bf16"):
        g = Graph("fake_quant_dynamic_%s" % elt)
        x = g.arg(tt((None, 5, 17), elt))
        t = tt((None, 5, 17), elt)
        g.ret(g.call("fake_quant_dynamic", [x], t),
              g.call("fake_quant_dynamic", [x], t, "storage = #qopt.storage<i8>"))
        add_case("quant", g)

    g = Graph("cast")
    x = g.arg(tt((None, 3, 19), "f32"))
    h = g.arg(tt((None, 3, 19), "f16"))
    b = g.arg(tt((None, 3, 19), "bf16"))
    t = lambda e: tt((None, 3, 19), e)
    g.ret(g.call("cast", [x], t("f16")), g.call("cast", [x], t("bf16")),
          g.call("cast", [h], t("f32")), g.call("cast", [b], t("f32")))
    add_case("cast", g)


def fc_rank3_cases():
    """fully_connected on [?, rows, K] (rows per sample > 1), int8 and f32."""
    g = Graph("fc_u8_rank3")
    x = g.arg(tt((None, 3, 37), qt("u8", 0.05, 200)))
    w, wv, ws = int8_weight(g, 19, 37)
    b = g.const(RNG.integers(-3000, 3000, size=19), (19,), "i32",
                qt_axis("i32", 0, [0.05 * s for s in ws]))
    s = out_scale(0.05, 200, 0, 255, wv, ws, False)
    y = g.call("fully_connected", [x, w, b], tt((None, 3, 19), qt("i8", s, -20)), ACT["relu"])
    g.ret(y, g.call("fully_connected", [x, w], tt((None, 3, 19), "f32")))
    add_case("linear-int8", g)
    g = Graph("fc_f32_rank3")
    x = g.arg(tt((None, 3, 37), "f32"))
    w = g.const(normal((19, 37), 0.2), (19, 37), "f32")
    g.ret(g.call("fully_connected", [x, w], tt((None, 3, 19), "f32"), ACT["relu6"]))
    add_case("linear-float", g)


def chain_cases():
    """Small multi-op graphs: the arena's buffer reuse and ops feeding each other."""
    # int8 MLP: quantize -> fc (u8) -> fc (i8, from u8) -> requantize -> fc (f32) and the
    # intermediate integers as outputs.
    g = Graph("chain_int8")
    x = g.arg(tt((None, 70), "f32"))
    q = g.call("quantize", [x], tt((None, 70), qt("u8", 0.03, 128)))
    w1, wv1, ws1 = int8_weight(g, 50, 70)
    b1 = g.const(RNG.integers(-3000, 3000, size=50), (50,), "i32",
                 qt_axis("i32", 0, [0.03 * s for s in ws1]))
    s1 = out_scale(0.03, 128, 0, 255, wv1, ws1, False)
    h1 = g.call("fully_connected", [q, w1, b1], tt((None, 50), qt("u8", s1, 0)), ACT["relu"])
    w2, wv2, ws2 = int8_weight(g, 17, 50)
    s2 = out_scale(s1, 0, 0, 255, wv2, ws2, False)
    h2 = g.call("fully_connected", [h1, w2], tt((None, 17), qt("i8", s2, 3)))
    r = g.call("requantize", [h2], tt((None, 17), qt("u8", s2 * 1.5, 120)))
    w3, _, _ = int8_weight(g, 10, 17)
    bf = g.const(normal(10, 0.5), (10,), "f32")
    y = g.call("fully_connected", [r, w3, bf], tt((None, 10), "f32"))
    g.ret(h1, h2, r, y, g.call("softmax", [y], tt((None, 10), "f32")))
    add_case("chain", g)
    # Mixed precision: f32 -> f16 layers -> f32; the f32 results carry f16 rounding.
    g = Graph("chain_f16_mixed")
    x = g.arg(tt((None, 70), "f32"))
    h = g.call("cast", [x], tt((None, 70), "f16"))
    w = g.const(float_elt_values(normal((50, 70), 0.12), "f16"), (50, 70), "f16")
    b = g.const(float_elt_values(normal(50, 0.5), "f16"), (50,), "f16")
    h = g.call("fully_connected", [h, w, b], tt((None, 50), "f16"))
    h = g.call("gelu", [h], tt((None, 50), "f16"))
    f32 = g.call("cast", [h], tt((None, 50), "f32"))
    w2 = g.const(normal((17, 50), 0.15), (17, 50), "f32")
    y = g.call("fully_connected", [f32, w2], tt((None, 17), "f32"))
    g.ret(h, y, g.call("log_softmax", [y], tt((None, 17), "f32")))
    add_case("chain", g)


def threads_cases():
    """Linear ops big enough (>= 2M multiply-adds per sample, KernelThreads.h) that a batch of 1
    or a static model splits each over the runtime's threads: GEMMs split by column blocks (few
    rows) and by rows (more rows than columns), the int8 conv's column GEMM and the avx512 ROWS
    GEMM (1x1 in place and a 3-channel im2col), float convs, a batched matmul."""
    fc_int8_case("fc_u8_wide_threads", "u8", 37, 1280, [
        (2003, "i32", "relu", "u8", 3, False, True, False),
        (1700, "f32", "none", "f32", 0, False, True, True)])
    fc_int8_case("fc_i8_rows_threads", "i8", -5, 259, [
        (97, "i32", "none", "i8", 2, True, True, False)], rows=101)
    conv_int8_case("conv_u8_c32_threads", "u8", 37, 32, 19, 21, 64, 3, 3, 1, (1, 1),
                   (1, 1, 1, 1), (1, 1), "relu", family="threads")
    conv_int8_case("conv_i8_pw_threads", "i8", -3, 64, 23, 25, 67, 1, 1, 1, (1, 1),
                   (0, 0, 0, 0), (1, 1), family="threads")
    conv_int8_case("conv_u8_c3_s2_threads", "u8", 200, 3, 111, 113, 32, 3, 3, 1, (2, 2),
                   (1, 1, 1, 1), (1, 1), "relu6", family="threads")
    for elt in ("f32", "bf16"):
        fc_float_case(elt, 1024, [(2100, True, "relu")], suffix="_threads")
        fc_float_case(elt, 300, [(99, True, "none")], static=True, rows=110, suffix="_threads")
        conv_float_case(elt, "c32_threads", 32, 19, 21, 64, 3, 3, 1, (1, 1), (1, 1, 1, 1),
                        (1, 1), "relu", family="threads")
        conv_float_case(elt, "c16_threads", 16, 33, 31, 40, 3, 3, 1, (1, 1), (1, 1, 1, 1),
                        (1, 1), family="threads")
    g = Graph("matmul_f32_threads")
    x = g.arg(tt((None, 130, 256), "f32"))
    w = g.const(normal((256, 129), 0.06), (256, 129), "f32")
    a = g.arg(tt((None, 2, 130, 64), "f32"))
    b = g.arg(tt((None, 2, 64, 300), "f32"))
    g.ret(g.call("matmul", [x, w], tt((None, 130, 129), "f32")),
          g.call("matmul", [a, b], tt((None, 2, 130, 300), "f32")))
    add_case("threads", g)


def conv_direct_cases():
    """The avx512 direct ROWS conv (qopt_k_rows_direct: padded channel-group planes per phase of
    the stride, one GEMM tap per kernel position): strides 1, 2 and 3 (4 and 9 phases), kernels
    wider and taller than the stride, asymmetric and large pads, padded rows narrower than a
    vector (the output lanes wrap rows) and wider than a panel, 1x1 at stride 2 (no padded
    columns), groups, output channels not a multiple of 8, and a case big enough to split over
    threads. Appended last so that the other families' random values stay as they were."""
    fam = "conv-direct"
    conv_int8_case("direct_u8_3x3", "u8", 37, 8, 9, 13, 19, 3, 3, 1, (1, 1), (1, 1, 1, 1),
                   (1, 1), "relu", family=fam)
    conv_int8_case("direct_i8_s2", "i8", -5, 12, 11, 20, 10, 3, 3, 1, (2, 2), (1, 0, 2, 1),
                   (1, 1), family=fam)
    conv_int8_case("direct_u8_k5x3", "u8", 200, 4, 10, 7, 9, 5, 3, 1, (2, 1), (2, 1, 1, 0),
                   (1, 1), "relu6", family=fam)
    conv_int8_case("direct_i8_1x1_s2", "i8", 9, 8, 9, 13, 17, 1, 1, 1, (2, 2), (0, 0, 0, 0),
                   (1, 1), family=fam)
    conv_int8_case("direct_u8_groups", "u8", 0, 16, 7, 10, 12, 3, 3, 2, (1, 1), (1, 1, 1, 1),
                   (1, 1), family=fam)
    conv_int8_case("direct_i8_7x7_s2", "i8", -128, 4, 15, 18, 8, 7, 7, 1, (2, 2), (3, 3, 3, 3),
                   (1, 1), family=fam)
    conv_int8_case("direct_u8_w70", "u8", 128, 4, 5, 70, 8, 3, 3, 1, (1, 1), (1, 1, 1, 1),
                   (1, 1), family=fam)
    conv_int8_case("direct_u8_s3", "u8", 61, 4, 13, 14, 5, 3, 3, 1, (3, 3), (1, 2, 2, 1),
                   (1, 1), family=fam)
    conv_int8_case("direct_i8_s2_big", "i8", 3, 16, 40, 44, 40, 3, 3, 1, (2, 2), (1, 1, 1, 1),
                   (1, 1), "relu", family=fam)
    for elt in ("f32", "f16", "bf16"):
        conv_float_case(elt, "direct_s2", 8, 11, 20, 10, 3, 3, 1, (2, 2), (1, 0, 2, 1), (1, 1),
                        "relu", family=fam)
        conv_float_case(elt, "direct_k5x3", 4, 10, 7, 9, 5, 3, 1, (2, 1), (2, 1, 1, 0), (1, 1),
                        family=fam)
        conv_float_case(elt, "direct_w70", 4, 5, 70, 8, 3, 3, 1, (1, 1), (1, 1, 1, 1), (1, 1),
                        "relu6", family=fam)
        conv_float_case(elt, "direct_1x1_s2", 6, 9, 13, 17, 1, 1, 1, (2, 2), (0, 0, 0, 0),
                        (1, 1), family=fam)
        conv_float_case(elt, "direct_s3", 2, 13, 14, 5, 3, 3, 1, (3, 3), (1, 2, 2, 1), (1, 1),
                        family=fam)


def pool_wide_cases():
    """max_pool2d on rows of more than one 64-output chunk, through the phase rows of each input
    row (PoolOps.cpp poolPhases): ResNet's 3x3 / stride 2 / pad 1, a 3x3 stride 1 window whose
    taps reach past the chunk, and a 5-wide dilated kernel at stride 2."""
    h, w = 7, 150
    for elt in ("u8", "f32"):
        g = Graph("max_pool_wide_%s" % elt)
        e = {"u8": qt("u8", 0.1, 37)}.get(elt, elt)
        x = g.arg(tt((None, 2, h, w), e))
        res = []
        for k, s_, p, d in (((3, 3), (2, 2), (1, 1, 1, 1), None),
                            ((3, 3), (1, 1), (1, 1, 1, 1), None),
                            ((2, 5), (1, 2), (0, 2, 1, 3), (1, 2))):
            oh, ow = pool_geom(h, w, k, s_, p, d or (1, 1), False)
            res.append(g.call("max_pool2d", [x], tt((None, 2, oh, ow), e),
                              pool_attrs(k, s_, p, d, False)))
        g.ret(*res)
        add_case("pool", g)
    # ResNet's first max pool (3.2 MB of f32 per sample): its planes split over the threads.
    for elt in ("u8", "f32"):
        g = Graph("max_pool_%s_threads" % elt)
        e = {"u8": qt("u8", 0.1, 37)}.get(elt, elt)
        c = 256 if elt == "u8" else 64
        x = g.arg(tt((None, c, 112, 112), e))
        g.ret(g.call("max_pool2d", [x], tt((None, c, 56, 56), e),
                     pool_attrs((3, 3), (2, 2), (1, 1, 1, 1), None, False)))
        add_case("threads", g)


def matmul_heads_cases():
    """Attention-like matmuls of many small matrices per sample (each below the 2M multiply-add
    split threshold, together above it), which run side by side on the threads, one scratch part
    each: activation x activation (f32, odd sizes), a per-head constant broadcast over the
    samples, and f16 operands (converted lhs, result stored through the f32 buffer)."""
    g = Graph("matmul_heads_threads")
    a = g.arg(tt((None, 20, 37, 70), "f32"))
    b = g.arg(tt((None, 20, 70, 50), "f32"))
    w = g.const(normal((20, 70, 50), 0.1), (20, 70, 50), "f32")
    c = g.arg(tt((None, 9, 64, 64), "f16"))
    d = g.arg(tt((None, 9, 64, 64), "f16"))
    g.ret(g.call("matmul", [a, b], tt((None, 20, 37, 50), "f32")),
          g.call("matmul", [a, w], tt((None, 20, 37, 50), "f32")),
          g.call("matmul", [c, d], tt((None, 9, 64, 64), "f16")))
    add_case("threads", g)


def dw_blocks_cases():
    """The depthwise register blocks (DepthwiseOps.h dwForEachBlock): rows narrower than 4
    vectors take several output rows per block (up to 8 of one vector, 4 of two, 2 of three or
    four), so these cover every row count of a block: 7- and 15-wide outputs over 19 and 15 rows
    (8 + 8 + 3, 8 + 7), and a 56-wide one (4 vectors on avx512, 4 + 3 on avx2) over 5 rows."""
    for (name, c, h, w_, s_) in (("w7_h19", 3, 19, 7, 1), ("w15_s2", 2, 29, 29, 2),
                                 ("w56_h5", 2, 5, 56, 1)):
        conv_int8_case("dw_u8_blocks_" + name, "u8", 37, c, h, w_, c, 3, 3, c, (s_, s_),
                       (1, 1, 1, 1), (1, 1), "relu", family="dw-blocks")
        conv_int8_case("dw_i8_blocks_" + name, "i8", -5, c, h, w_, c, 3, 3, c, (s_, s_),
                       (1, 1, 1, 1), (1, 1), family="dw-blocks")
        conv_float_case("f32", "dw_blocks_" + name, c, h, w_, c, 3, 3, c, (s_, s_), (1, 1, 1, 1),
                        (1, 1), "relu6", family="dw-blocks")


def norm_threads_cases():
    """softmax and layer_norm split by rows over the runtime's threads (NormOps.cpp rowThreads):
    300 rows of 130 (softmax, f32 and log, and f16 through the generic row) and of 260
    (layer_norm with and without bias, f32 and f16 scales), each above its split threshold at a
    batch of 1."""
    for elt in ("f32", "f16"):
        g = Graph("softmax_%s_threads" % elt)
        x = g.arg(tt((None, 300, 130), elt))
        t = tt((None, 300, 130), elt)
        g.ret(g.call("softmax", [x], t), g.call("log_softmax", [x], t))
        add_case("norm-threads", g)
        g = Graph("layer_norm_%s_threads" % elt)
        x = g.arg(tt((None, 300, 260), elt))
        gam = g.const(float_elt_values(normal(260, 0.5) + 1, elt), (260,), elt)
        bet = g.const(float_elt_values(normal(260, 0.5), elt), (260,), elt)
        t = tt((None, 300, 260), elt)
        g.ret(g.call("layer_norm", [x, gam, bet], t),
              g.call("layer_norm", [x, gam], t, "epsilon = 1.0e-3 : f32"))
        add_case("norm-threads", g)


def view_cases():
    """Gathers of consecutive indices on the outermost dimension of a static tensor, which the
    backend reads in place (a view: the address of a block, no copy), as attention takes q, k and
    v out of one transposed [3, ...] tensor: single indices 0 and 2 (a dimension dropped, then
    reshaped), the pair [1, 2], and [2, 1] for contrast (a copy). Each view is read by a kernel
    after other kernels have run, so its block must still hold the transposed values."""
    for elt in ("f32", "u8"):
        e = qt("u8", 0.1, 37) if elt == "u8" else elt
        g = Graph("views_%s" % elt)
        x = g.arg(tt((4, 3, 6), e))
        t = g.call("transpose", [x], tt((3, 4, 6), e), "perm = array<i64: 1, 0, 2>")
        first = g.call("gather", [t], tt((4, 6), e),
                       "axis = 0 : i64, indices = array<i64: 0>, indices_shape = array<i64>")
        last = g.call("gather", [t], tt((4, 6), e),
                      "axis = 0 : i64, indices = array<i64: -1>, indices_shape = array<i64>")
        pair = g.call("gather", [t], tt((2, 4, 6), e),
                      "axis = 0 : i64, indices = array<i64: 1, 2>, indices_shape = array<i64: 2>")
        swap = g.call("gather", [t], tt((2, 4, 6), e),
                      "axis = 0 : i64, indices = array<i64: 2, 1>, indices_shape = array<i64: 2>")
        flat = g.call("reshape", [last], tt((24,), e))
        res = [g.call("transpose", [pair], tt((2, 6, 4), e), "perm = array<i64: 0, 2, 1>"),
               g.call("transpose", [swap], tt((6, 2, 4), e), "perm = array<i64: 2, 0, 1>"),
               g.call("slice", [flat], tt((12,), e),
                      "ends = array<i64: 24>, starts = array<i64: 0>, steps = array<i64: 2>")]
        if elt == "f32":
            res.append(g.call("add", [first, last], tt((4, 6), e)))
        else:
            res.append(g.call("concat", [first, last], tt((8, 6), e), "axis = 0 : i64"))
        g.ret(*res)
        add_case("views", g)


def matmul_scale_cases():
    """A matmul times a scalar constant, which the backend folds into the matmul's epilogue
    (qopt_k_matmul_params.out_scale): attention-like heads at a batch (small matrices side by side
    on the threads), the constant on either side, and one product also read elsewhere (a copy of
    it stays, with the multiply a kernel of its own)."""
    g = Graph("matmul_scale_f32")
    q = g.arg(tt((None, 4, 33, 16), "f32"))
    k = g.arg(tt((None, 4, 16, 33), "f32"))
    s = g.const(float_elt_values(0.25, "f32"), (), "f32")
    s11 = g.const(float_elt_values(-0.3, "f32"), (1, 1), "f32")
    t = tt((None, 4, 33, 33), "f32")
    m1 = g.call("matmul", [q, k], t)
    m2 = g.call("matmul", [q, k], t)
    m3 = g.call("matmul", [q, k], t)
    g.ret(g.call("mul", [m1, s], t), g.call("mul", [s11, m2], t), g.call("mul", [m3, s], t), m3)
    add_case("matmul-scale", g)


FAMILIES = [linear_int8_cases, linear_float_cases, unary_cases, binary_cases, softmax_cases,
            norm_cases, pool_cases, reduce_cases, movement_cases, quant_cases,
            fc_rank3_cases, chain_cases, threads_cases, conv_direct_cases, pool_wide_cases,
            matmul_heads_cases, dw_blocks_cases, norm_threads_cases, view_cases,
            matmul_scale_cases]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for fam in FAMILIES:
        fam()
    for name, (family, text) in CASES.items():
        with open(os.path.join(out, name + ".mlir"), "w") as fh:
            fh.write("// Generated by make_cases.py (%s).\n" % family)
            fh.write(text)


if __name__ == "__main__":
    main()
