// qopt-runtime-probe: a program linked against the runtime core alone, so that a lit test can show
// the core needs no LLVM or MLIR library (test/Runtime/runtime-core-links-no-llvm.test). It also
// exposes a few core functions to the shell. A test utility, not a user-facing tool.
//
//   qopt-runtime-probe npy FILE                       prints "<dtype> <shape>"
//   qopt-runtime-probe requantize ACC BIAS ACC_SCALE ACTIVATION OUT_SCALE OUT_ZP QMIN QMAX
//                                                     prints the quantized linear output
//
// Exit status: 0 done; 1 unreadable input; 2 bad arguments.
#include "qopt/Runtime/Data.h"
#include "qopt/Runtime/Epilogue.h"
#include "qopt/Runtime/Npy.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

using namespace mlir::qopt;

namespace {

int usage() {
  std::fprintf(stderr, "usage: qopt-runtime-probe npy FILE\n"
                       "       qopt-runtime-probe requantize ACC BIAS ACC_SCALE ACTIVATION "
                       "OUT_SCALE OUT_ZP QMIN QMAX\n");
  return 2;
}

bool parseActivation(const char *name, rt::Activation &act) {
  static const struct {
    const char *name;
    rt::Activation act;
  } kNames[] = {{"none", rt::Activation::none},       {"relu", rt::Activation::relu},
                {"relu6", rt::Activation::relu6},     {"sigmoid", rt::Activation::sigmoid},
                {"tanh", rt::Activation::tanh},       {"gelu", rt::Activation::gelu}};
  for (const auto &n : kNames)
    if (std::strcmp(name, n.name) == 0) {
      act = n.act;
      return true;
    }
  return false;
}

} // namespace

int main(int argc, char **argv) {
  if (argc == 3 && std::strcmp(argv[1], "npy") == 0) {
    NpyArray a;
    std::string error;
    if (!readNpy(argv[2], a, error)) {
      std::fprintf(stderr, "qopt-runtime-probe: error: %s\n", error.c_str());
      return 1;
    }
    std::printf("%s %s\n", a.dtype.c_str(), data::shapeText(a.shape).c_str());
    return 0;
  }
  if (argc == 10 && std::strcmp(argv[1], "requantize") == 0) {
    rt::Activation act;
    if (!parseActivation(argv[5], act))
      return usage();
    rt::OutputQuant q{std::strtof(argv[6], nullptr), std::strtoll(argv[7], nullptr, 10),
                      std::strtoll(argv[8], nullptr, 10), std::strtoll(argv[9], nullptr, 10)};
    int64_t y = rt::requantizeLinear(std::strtoll(argv[2], nullptr, 10),
                                     std::strtoll(argv[3], nullptr, 10),
                                     std::strtof(argv[4], nullptr), act, q);
    std::printf("%lld\n", (long long)y);
    return 0;
  }
  return usage();
}
