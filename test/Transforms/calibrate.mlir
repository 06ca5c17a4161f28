// RUN: rm -rf %t && mkdir -p %t
// RUN: %{python} -c "import numpy as np; np.save('%t/small.npy', np.array([[-1, 2], [3, -4], [0.5, 0.25]], np.float32))"
// RUN: %{python} -c "import numpy as np; x = np.linspace(0, 1, 1000, dtype=np.float32); x[500] = 100; np.save('%t/outlier.npy', x.reshape(500, 2))"
// RUN: %{python} -c "import numpy as np; x = np.zeros((4, 2), np.float32); x[2, 1] = np.nan; np.save('%t/nan.npy', x); np.save('%t/empty.npy', np.zeros((0, 2), np.float32)); np.save('%t/f64.npy', np.zeros((4, 2))); np.save('%t/wide.npy', np.zeros((4, 3), np.float32))"

// qopt-calibrate is a function pass: every RUN calibrates every function below on its data, and
// each prefix checks the function written for that method.
// The same statistics whatever the batch size.
// RUN: qopt-opt %s -split-input-file -qopt-calibrate='data=%t/small.npy method=minmax batch-size=2' | FileCheck %s --check-prefix=MINMAX
// RUN: qopt-opt %s -split-input-file -qopt-calibrate='data=%t/small.npy method=minmax batch-size=1' | FileCheck %s --check-prefix=MINMAX
// RUN: qopt-opt %s -split-input-file -qopt-calibrate='data=%t/outlier.npy method=percentile=99' | FileCheck %s --check-prefix=PCT
// RUN: %{python} -c "import numpy as np; np.save('%t/tail.npy', np.random.default_rng(0).exponential(1.0, 20000).astype(np.float32).reshape(10000, 2))"
// RUN: qopt-opt %s -split-input-file -qopt-calibrate='data=%t/tail.npy method=entropy' > %t/entropy.mlir
// RUN: FileCheck %s --check-prefix=ENTROPY < %t/entropy.mlir
// RUN: %{python} -c "import re; f = open('%t/entropy.mlir').read().split('@entropy_threshold_below_max')[1]; d = dict(re.findall(r'(hi|max) = ([0-9.eE+-]+)', [l for l in f.splitlines() if 'qopt.relu' in l][0])); assert float(d['hi']) < float(d['max']), d"

// Bad calibration data: the file, the expected and the actual; nothing is rewritten. Every function
// reports it; the checks read the first report.
// RUN: not qopt-opt %s -split-input-file -qopt-calibrate='data=%t/nan.npy' 2>&1 | FileCheck %s --check-prefix=NAN
// NAN: error: {{.*}}nan.npy: element 5 is nan; calibration data must be finite
// RUN: not qopt-opt %s -split-input-file -qopt-calibrate='data=%t/empty.npy' 2>&1 | FileCheck %s --check-prefix=EMPTY
// EMPTY: error: {{.*}}empty.npy: holds no samples
// RUN: not qopt-opt %s -split-input-file -qopt-calibrate='data=%t/f64.npy' 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: error: {{.*}}f64.npy: calibration data must be float32 for an f32 input, got f8
// RUN: not qopt-opt %s -split-input-file -qopt-calibrate='data=%t/wide.npy' 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: error: {{.*}}wide.npy: expected samples shaped [N,2], got [4,3]
// RUN: not qopt-opt %s -split-input-file -qopt-calibrate='data=%t/missing.npy' 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: {{.*}}missing.npy
// RUN: not qopt-opt %s -split-input-file -qopt-calibrate 2>&1 | FileCheck %s --check-prefix=NODATA
// NODATA: error: qopt-calibrate needs calibration data: data=FILE.npy
// RUN: not qopt-opt %s -split-input-file -qopt-calibrate='data=%t/small.npy method=kl' 2>&1 | FileCheck %s --check-prefix=METHOD
// METHOD: error: unknown calibration method 'kl' (expected minmax, percentile[=P], entropy or mse)
// Nothing is rewritten: no function comes out with a record.
// NAN-NOT: qopt.calibration
// EMPTY-NOT: qopt.calibration
// DTYPE-NOT: qopt.calibration
// SHAPE-NOT: qopt.calibration
// MISSING-NOT: qopt.calibration
// NODATA-NOT: qopt.calibration
// METHOD-NOT: qopt.calibration

// Input [-4, 3]; relu [0, 3]; times 2: [0, 6].
// MINMAX-LABEL: func.func @minmax_same_for_any_batch_size
// The input's record also carries the FNV-1a hash of the samples, for provenance.
// MINMAX-SAME: qopt.calibration = #qopt.calibration<lo = -4.000000e+00, hi = 3.000000e+00, min = -4.000000e+00, max = 3.000000e+00, method = "minmax", samples = 3, data_hash = "{{[0-9a-f]+}}">
// Constants get no record (the constant is printed before the relu).
// MINMAX: qopt.constant dense<2.000000e+00> : tensor<f32>{{$}}
// MINMAX: qopt.relu %arg0 {qopt.calibration = #qopt.calibration<lo = 0.000000e+00, hi = 3.000000e+00, min = 0.000000e+00, max = 3.000000e+00, method = "minmax", samples = 3>}
// MINMAX: qopt.mul {{.*}} {qopt.calibration = #qopt.calibration<lo = 0.000000e+00, hi = 6.000000e+00, min = 0.000000e+00, max = 6.000000e+00, method = "minmax", samples = 3>}
func.func @minmax_same_for_any_batch_size(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %two = qopt.constant dense<2.0> : tensor<f32>
  %r = qopt.relu %x : (tensor<?x2xf32>) -> tensor<?x2xf32>
  %y = qopt.mul %r, %two : (tensor<?x2xf32>, tensor<f32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// One value of 100 among 999 in [0, 1]: the 99th percentile clips it, min/max keep it.
// PCT-LABEL: func.func @percentile_clips_outlier
// PCT: qopt.relu %arg0 {qopt.calibration = #qopt.calibration<lo = 0.000000e+00, hi = 1.0{{[0-9]*}}, min = {{[^,]+}}, max = 1.000000e+02, method = "percentile"
func.func @percentile_clips_outlier(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %r = qopt.relu %x : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %r : tensor<?x2xf32>
}

// -----

// On a long exponential tail the entropy threshold lies below the maximum (checked in Python).
// ENTROPY-LABEL: func.func @entropy_threshold_below_max
// ENTROPY: qopt.relu %arg0 {qopt.calibration = #qopt.calibration<lo = {{[^,]+}}, hi = {{[^,]+}}, min = {{[^,]+}}, max = {{[^,]+}}, method = "entropy", samples = 10000>}
func.func @entropy_threshold_below_max(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %r = qopt.relu %x : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %r : tensor<?x2xf32>
}
