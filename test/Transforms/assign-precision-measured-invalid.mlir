// A bad qopt.measured_latency table is an error naming the entry and what was expected.
// RUN: not qopt-opt %s -split-input-file -qopt-assign-precision="mode=int8" 2>&1 | FileCheck %s

// CHECK: error: qopt.measured_latency must be a dictionary of layer name -> [i8, bf16, f16, f32] ns per sample, got [1.000000e+00]
func.func @not_a_dict(%x: tensor<?x2xf32>) -> tensor<?x2xf32> attributes {qopt.measured_latency = [1.0]} {
  %w = qopt.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %h = qopt.fully_connected %x, %w : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("hidden")
  %y = qopt.fully_connected %h, %w : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("logits")
  return %y : tensor<?x2xf32>
}

// -----

// CHECK: error: qopt.measured_latency['hidden'] must list 4 latencies (ns per sample for i8, bf16, f16, f32; unit where not measured), got [1.000000e+00, 2.000000e+00, 3.000000e+00]
func.func @wrong_arity(%x: tensor<?x2xf32>) -> tensor<?x2xf32> attributes {qopt.measured_latency = {hidden = [1.0, 2.0, 3.0]}} {
  %w = qopt.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %h = qopt.fully_connected %x, %w : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("hidden")
  %y = qopt.fully_connected %h, %w : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("logits")
  return %y : tensor<?x2xf32>
}

// -----

// CHECK: error: qopt.measured_latency['hidden'] must list 4 latencies {{.*}}, got 5.000000e+00
func.func @not_a_list(%x: tensor<?x2xf32>) -> tensor<?x2xf32> attributes {qopt.measured_latency = {hidden = 5.0}} {
  %w = qopt.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %h = qopt.fully_connected %x, %w : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("hidden")
  %y = qopt.fully_connected %h, %w : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("logits")
  return %y : tensor<?x2xf32>
}

// -----

// CHECK: error: qopt.measured_latency['hidden'][1] (bf16) must be a number of ns or unit, got "fast"
func.func @non_numeric(%x: tensor<?x2xf32>) -> tensor<?x2xf32> attributes {qopt.measured_latency = {hidden = [1.0, "fast", 3.0, 4.0]}} {
  %w = qopt.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %h = qopt.fully_connected %x, %w : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("hidden")
  %y = qopt.fully_connected %h, %w : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("logits")
  return %y : tensor<?x2xf32>
}

// -----

// CHECK: error: qopt.measured_latency['hidden'][3] (f32) must be a finite latency >= 0 ns, got -4
func.func @negative(%x: tensor<?x2xf32>) -> tensor<?x2xf32> attributes {qopt.measured_latency = {hidden = [1.0, 2.0, 3.0, -4.0]}} {
  %w = qopt.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %h = qopt.fully_connected %x, %w : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("hidden")
  %y = qopt.fully_connected %h, %w : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("logits")
  return %y : tensor<?x2xf32>
}

// -----

// CHECK: error: qopt.measured_latency['nope'] names no layer of this function; its layers are: hidden, logits
func.func @unknown_layer(%x: tensor<?x2xf32>) -> tensor<?x2xf32> attributes {qopt.measured_latency = {nope = [1.0, 2.0, 3.0, 4.0]}} {
  %w = qopt.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %h = qopt.fully_connected %x, %w : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("hidden")
  %y = qopt.fully_connected %h, %w : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("logits")
  return %y : tensor<?x2xf32>
}
