// qopt-native-testmodel: writes the runtime's hand-built test model (NativeTestModel.h), a
// compiled model whose code is a shared object given on the command line. A test utility.
//
//   qopt-native-testmodel CODE.so OUT.fb [--static] [--batch-parallel]
//                         [--code=TARGET:FEATURE,FEATURE...]...
//
// Without --code the model carries the default sections (avx512vnni and avx2).
// Exit status: 0 written; 1 unreadable code or unwritable output; 2 bad arguments.
#include "NativeTestModel.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

using namespace qopt::rt::test;

int main(int argc, char **argv) {
  const char *usage = "usage: qopt-native-testmodel CODE.so OUT.fb [--static] [--batch-parallel] "
                      "[--code=TARGET:FEATURE,...]...\n";
  std::vector<std::string> positional;
  ModelSpec spec;
  bool batchParallel = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--static") {
      spec.staticShapes = true;
    } else if (a == "--batch-parallel") {
      batchParallel = true;
    } else if (a.rfind("--code=", 0) == 0) {
      std::string value = a.substr(7);
      size_t colon = value.find(':');
      CodeSpec c;
      c.target = value.substr(0, colon);
      std::string features = colon == std::string::npos ? "" : value.substr(colon + 1);
      for (size_t start = 0; start < features.size();) {
        size_t comma = features.find(',', start);
        if (comma == std::string::npos)
          comma = features.size();
        if (comma > start)
          c.features.push_back(features.substr(start, comma - start));
        start = comma + 1;
      }
      spec.code.push_back(c);
    } else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr, "qopt-native-testmodel: unknown option '%s'\n%s", a.c_str(), usage);
      return 2;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2) {
    std::fputs(usage, stderr);
    return 2;
  }
  if (spec.code.empty())
    spec.code = defaultCodeSpecs();
  for (CodeSpec &c : spec.code)
    c.batchParallel = batchParallel;
  std::vector<uint8_t> so;
  if (!readFileBytes(positional[0], so)) {
    std::fprintf(stderr, "qopt-native-testmodel: cannot read '%s'\n", positional[0].c_str());
    return 1;
  }
  std::vector<uint8_t> model = buildAffineReluModel(spec, so);
  std::ofstream out(positional[1], std::ios::binary);
  out.write(reinterpret_cast<const char *>(model.data()), std::streamsize(model.size()));
  if (!out.flush()) {
    std::fprintf(stderr, "qopt-native-testmodel: cannot write '%s'\n", positional[1].c_str());
    return 1;
  }
  return 0;
}
