# Checks qopt-run --profile-json against the Fashion-MNIST MLP's own structure (784-256-128-10).
import json, sys

p = json.load(open(sys.argv[1]))
steps = p["steps"]
assert p["batch"] == 16 and p["runs"] == 3, p
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
