# lit configuration for qopt's regression tests.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "QOPT"
# bash runs the RUN lines, so tests can check exact exit statuses with `$?`.
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qopt_obj_root, "test")
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]

llvm_config.with_system_environment(["HOME", "TMP", "TEMP", "ASAN_OPTIONS", "UBSAN_OPTIONS"])
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
# Every FileCheck run (from a RUN line or from a script a RUN line calls) scopes captured names to
# their CHECK-LABEL block, so a test cannot pass by matching a name captured for another function.
# FILECHECK_OPTS rather than a substitution: it also reaches FileCheck behind `not` and pipes.
config.environment["FILECHECK_OPTS"] = "--enable-var-scope"

config.substitutions.append(("%qopt_src_root", config.qopt_src_root))
# The runtime tests' hand-written native code, built by test/Runtime/CMakeLists.txt.
config.substitutions.append(("%qopt_obj_root", config.qopt_obj_root))
config.substitutions.append(("%qopt_tools_dir", config.qopt_tools_dir))
config.substitutions.append(("%qopt_test_native_so", os.path.join(config.qopt_obj_root, "test", "Runtime", "native_affine_relu.so")))
# The build tools of this build, for the test that installs it and builds examples/c-api.
config.substitutions.append(("%cmake", getattr(config, "cmake_command", "cmake")))
config.substitutions.append(("%ninja", getattr(config, "make_program", "ninja")))
config.substitutions.append(("%cc", getattr(config, "c_compiler", "cc")))
# Debian's interpreter sees python3-numpy/onnx/torch; the first python3 on PATH may not.
config.substitutions.append(("%{python}", "/usr/bin/python3"))
tool_dirs = [config.qopt_tools_dir, config.llvm_tools_dir]
tools = ["qopt-opt", "qopt-translate", "qopt-run", "qopt-compile", "qopt-fb-mutate", "qopt-onnx-conformance",
         "qopt-runtime-probe", "qopt-native-testmodel", "qopt-capi-test", "qopt-native-check",
         "qopt-runtime-check", "qopt-report"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# The sanitizer build (QOPT_ENABLE_SANITIZERS) skips the tests that run whole data sets.
if getattr(config, "qopt_sanitized", "OFF") in ("ON", "1", "TRUE", "YES"):
    config.available_features.add("sanitized")
