// The statistics qopt-calibrate keeps (record-stats) give every method's range again without the
// data, exactly: calibrating from the records equals calibrating from the samples, byte for byte,
// for each method, on two-sided values (the input, x*2-1), one-sided ones (the relu) and a
// tensor of zeros.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %{python} -c "import numpy as np; r = np.random.default_rng(7); x = np.concatenate([r.normal(0.3, 1, 3000), -r.exponential(2, 600), r.exponential(5, 400)]).astype(np.float32); r.shuffle(x); np.save('%t/x.npy', x.reshape(2000, 2))"
// RUN: qopt-opt %s -qopt-calibrate='data=%t/x.npy method=minmax record-stats=true' -o %t/stats.mlir
// RUN: FileCheck %s --check-prefix=REC < %t/stats.mlir
// RUN: for m in minmax percentile percentile=99.9 entropy mse; do \
// RUN:   qopt-opt %s -qopt-calibrate="data=%t/x.npy method=$m" -o %t/data.$m.mlir && \
// RUN:   qopt-opt %t/stats.mlir -qopt-calibrate="method=$m" -o %t/stats.$m.mlir && \
// RUN:   diff %t/data.$m.mlir %t/stats.$m.mlir || exit 1; \
// RUN: done
// The methods do choose different ranges here, so the comparison says something.
// RUN: not diff -q %t/data.minmax.mlir %t/data.entropy.mlir
// RUN: not diff -q %t/data.entropy.mlir %t/data.mse.mlir
// Without record-stats the records are used up.
// RUN: FileCheck %s --check-prefix=GONE < %t/stats.entropy.mlir

// REC-LABEL: func.func @layers
// REC-SAME: qopt.calibration_stats = {bins = 2048 : i64, data_hash = "{{[0-9a-f]+}}", index = -1 : i64, limit = {{.*}} : f32, max = {{.*}} : f32, min = -{{.*}} : f32, name = "input_0", negative = dense<{{.*}}> : tensor<{{[0-9]+}}xi64>, positive = dense<{{.*}}> : tensor<2048xi64>, samples = 2000 : i64, zeros = 0 : i64}
// REC: qopt.mul {{.*}}qopt.calibration_stats = {bins = 2048 : i64, index = 0 : i64
// REC: qopt.sub {{.*}}qopt.calibration_stats = {bins = 2048 : i64, index = 1 : i64
// The relu is never negative: no negative counts at all, and its zeros counted apart.
// REC: qopt.relu {{.*}}qopt.calibration_stats = {bins = 2048 : i64, index = 2 : i64, {{.*}}, negative = dense<> : tensor<0xi64>, {{.*}}, zeros = {{[1-9][0-9]*}} : i64}
// REC: qopt.mul {{.*}}qopt.calibration_stats = {bins = 2048 : i64, index = 3 : i64, limit = 0.000000e+00 : f32, max = 0.000000e+00 : f32, min = 0.000000e+00 : f32, name = "", negative = dense<> : tensor<0xi64>, positive = dense<> : tensor<0xi64>, zeros = 4000 : i64}
// GONE-NOT: qopt.calibration_stats
func.func @layers(%x: tensor<?x2xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>) {
  %two = qopt.constant dense<2.0> : tensor<f32>
  %one = qopt.constant dense<1.0> : tensor<f32>
  %zero = qopt.constant dense<0.0> : tensor<f32>
  %a = qopt.mul %x, %two : (tensor<?x2xf32>, tensor<f32>) -> tensor<?x2xf32>
  %b = qopt.sub %a, %one : (tensor<?x2xf32>, tensor<f32>) -> tensor<?x2xf32>
  %r = qopt.relu %b : (tensor<?x2xf32>) -> tensor<?x2xf32>
  %z = qopt.mul %r, %zero : (tensor<?x2xf32>, tensor<f32>) -> tensor<?x2xf32>
  return %r, %z : tensor<?x2xf32>, tensor<?x2xf32>
}
