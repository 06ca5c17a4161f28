"""Recomputes a report's loss interval from the two models' saved logits, independently of qopt:
the normal interval of the mean paired difference (include/qopt/Evaluation/Confidence.h), with
numpy for the differences and Python's statistics.NormalDist for the quantile."""
import argparse
import json
import math
from statistics import NormalDist

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("report")
p.add_argument("--fp32-logits", required=True)
p.add_argument("--logits", required=True)
p.add_argument("--labels")
a = p.parse_args()

ref = np.load(a.fp32_logits).argmax(axis=1)
got = np.load(a.logits).argmax(axis=1)
if a.labels:
    y = np.load(a.labels)
    d = (ref == y).astype(np.int64) - (got == y).astype(np.int64)
else:
    d = (ref != got).astype(np.int64)
n = len(d)
mean = d.mean()
z = NormalDist().inv_cdf(0.975)
half = z * d.std(ddof=1) / math.sqrt(n)
want = [100 * (mean - half), 100 * (mean + half)]

e = json.load(open(a.report))["evaluation"]
lo, hi = e["loss_points_ci95"]
ok = (abs(lo - want[0]) < 1e-9 and abs(hi - want[1]) < 1e-9
      and abs(e["loss_points"] - 100 * mean) < 1e-9
      and e["discordant_samples"] == int(np.count_nonzero(d)))
print("%s: loss %.4f, 95%% CI [%.6f, %.6f] (numpy [%.6f, %.6f]), %d discordant of %d; method: %s"
      % ("MATCH" if ok else "MISMATCH", e["loss_points"], lo, hi, want[0], want[1],
         e["discordant_samples"], n, e["loss_ci_method"]))
