# Checks qopt-run --profile-json against the Fashion-MNIST MLP's own structure (784-256-128-10).
import json, sys

p = json.load(open(sys.argv[1]))
steps = p["steps"]
batch = int(sys.argv[2])
assert p["batch"] == batch and p["runs"] == 3, p
# Each step's op rate is its ops per sample times the batch over its time (ms is printed to 6
# decimals: the rate is checked against the range of times that round to it).
for s in steps:
    ops = s["ops_per_sample"] * batch
    lo = ops / ((s["ms"] + 5e-7) * 1e6)
    hi = ops / ((s["ms"] - 5e-7) * 1e6) if s["ms"] > 5e-7 else float("inf")
    assert lo * (1 - 1e-5) <= s["gops"] <= hi * (1 + 1e-5), (s, lo, hi)
if batch == 1:  # the static matmul of [3, 4] x [4, 3]
    assert p["static_shapes"] is True and [s["ops_per_sample"] for s in steps] == [72], p
    print("profile ok: static model")
    sys.exit(0)
assert p["static_shapes"] is False, p
fcs = [s for s in steps if s["kernel"] == "qopt_k_fully_connected"]
assert [s["name"] for s in fcs] == ["/net/net.1/Gemm", "/net/net.3/Gemm", "/net/net.5/Gemm"], fcs
for s, (k, n) in zip(fcs, [(784, 256), (256, 128), (128, 10)]):
    assert s["ops_per_sample"] == 2 * k * n, s
    # Weights packed for the target (int8, or f32 for the logits that stay f32): at least one
    # byte per weight, read once per call whatever the batch, and at most 4 bytes per weight after
    # the padding to 48-column blocks and 4-row groups (plus the folded bias and scales).
    assert k * n <= s["weight_bytes"] <= 4 * (k + 3) // 4 * 4 * ((n + 47) // 48 * 48) + 16 * n + 512, s
    assert s["activation_bytes_per_sample"] >= k + n, s
for s in steps:
    assert s["ms"] >= 0, s
assert abs(sum(s["ms"] for s in steps) - p["total_ms"]) < 1e-3, p
print("profile ok:", len(steps), "steps")
