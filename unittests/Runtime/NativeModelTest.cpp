// Loading compiled models through the C API: from bytes and from a path, the choice of code
// section, introspection, and every way a load is refused, each with its status and message.
#include "NativeModel.h"
#include "NativeTestSupport.h"

#include "qopt/Runtime/NativeAbi.h"
#include "qopt/Runtime/Sha256.h"

#include <cstring>
#include <fstream>

using namespace qopt::rt;
using namespace qopt::rt::test;

namespace {

bool hostHas(const char *feature) {
  CpuMaskScope none;
  char buf[256];
  qopt_host_cpu_features(buf, sizeof(buf), nullptr);
  std::string s = std::string(" ") + buf + " ";
  return s.find(std::string(" ") + feature + " ") != std::string::npos;
}

std::vector<uint8_t> modelWith(std::vector<CodeSpec> code, bool staticShapes = false) {
  ModelSpec spec;
  spec.staticShapes = staticShapes;
  spec.code = std::move(code);
  return buildAffineReluModel(spec, testCode());
}

CodeSpec section(const std::string &target, std::vector<std::string> features) {
  CodeSpec c;
  c.target = target;
  c.features = std::move(features);
  return c;
}

TEST(NativeModel, LoadsFromBytesAndIntrospects) {
  if (!hostHas("avx512vnni"))
    GTEST_SKIP() << "this CPU has no avx512vnni";
  CpuMaskScope none;
  qopt_error err;
  ModelPtr m = loadModel(defaultModel(), err, 2);
  ASSERT_TRUE(m) << err.message;
  EXPECT_STREQ(qopt_model_target(m.get()), "avx512vnni");
  EXPECT_STREQ(qopt_model_cpu_features(m.get()), "avx512f avx512bw avx512vl avx512vnni");
  EXPECT_EQ(qopt_model_num_threads(m.get()), 2);
  EXPECT_EQ(qopt_model_has_dynamic_batch(m.get()), 1);
  ASSERT_EQ(qopt_model_num_inputs(m.get()), 1);
  ASSERT_EQ(qopt_model_num_outputs(m.get()), 1);
  qopt_tensor_info info;
  ASSERT_EQ(qopt_model_input_info(m.get(), 0, &info, &err), QOPT_OK);
  EXPECT_STREQ(info.name, "x");
  EXPECT_EQ(info.dtype, QOPT_F32);
  EXPECT_EQ(info.element_size, 4u);
  ASSERT_EQ(info.rank, 2);
  EXPECT_EQ(info.shape[0], -1);
  EXPECT_EQ(info.shape[1], 4);
  EXPECT_EQ(info.quantized, 0);
  ASSERT_EQ(qopt_model_output_info(m.get(), 0, &info, &err), QOPT_OK);
  EXPECT_STREQ(info.name, "y");
  EXPECT_EQ(qopt_model_output_info(m.get(), 1, &info, &err), QOPT_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(err.message, "output index 1 out of range (the model has 1)");
  EXPECT_EQ(qopt_model_input_info(m.get(), -1, &info, &err), QOPT_ERR_INVALID_ARGUMENT);
}

TEST(NativeModel, StaticModelIntrospects) {
  CpuMaskScope none;
  qopt_error err;
  ModelPtr m = loadModel(defaultModel(false, true), err);
  ASSERT_TRUE(m) << err.message;
  EXPECT_EQ(qopt_model_has_dynamic_batch(m.get()), 0);
  qopt_tensor_info info;
  ASSERT_EQ(qopt_model_input_info(m.get(), 0, &info, &err), QOPT_OK);
  EXPECT_EQ(info.shape[0], 1);
}

TEST(NativeModel, LoadsFromPath) {
  CpuMaskScope none;
  std::vector<uint8_t> bytes = defaultModel();
  std::string path = ::testing::TempDir() + "/qopt_native_model_test.fb";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char *>(bytes.data()), std::streamsize(bytes.size()));
  }
  qopt_model *m = nullptr;
  qopt_error err;
  ASSERT_EQ(qopt_model_load_file(path.c_str(), nullptr, &m, &err), QOPT_OK) << err.message;
  ModelPtr owned(m);
  EXPECT_GE(qopt_model_num_threads(m), 1);
  std::vector<float> x = testInput(3), y;
  ASSERT_EQ(runModel(m, x, y, err), QOPT_OK) << err.message;
  for (size_t i = 0; i < x.size(); ++i)
    ASSERT_EQ(y[i], affineReluExpected(x[i], int(i % 4))) << i;
  std::remove(path.c_str());

  EXPECT_EQ(qopt_model_load_file("/nonexistent/m.fb", nullptr, &m, &err), QOPT_ERR_IO);
  EXPECT_EQ(m, nullptr);
  EXPECT_EQ(err.status, QOPT_ERR_IO);
  EXPECT_STREQ(err.message, "cannot open '/nonexistent/m.fb': No such file or directory");
}

TEST(NativeModel, MisalignedBytesAreCopied) {
  CpuMaskScope none;
  std::vector<uint8_t> bytes = defaultModel();
  std::vector<uint8_t> shifted(bytes.size() + 1);
  std::memcpy(shifted.data() + 1, bytes.data(), bytes.size());
  qopt_load_options options;
  qopt_load_options_init(&options);
  options.flags = QOPT_LOAD_BORROW_BYTES; // misaligned: copied anyway
  qopt_model *m = nullptr;
  qopt_error err;
  ASSERT_EQ(qopt_model_load_bytes(shifted.data() + 1, bytes.size(), &options, &m, &err), QOPT_OK)
      << err.message;
  ModelPtr owned(m);
  std::fill(shifted.begin(), shifted.end(), 0); // the model must not read these any more
  std::vector<float> x = testInput(2), y;
  ASSERT_EQ(runModel(m, x, y, err), QOPT_OK) << err.message;
  for (size_t i = 0; i < x.size(); ++i)
    ASSERT_EQ(y[i], affineReluExpected(x[i], int(i % 4))) << i;
}

TEST(NativeModel, BorrowedBytesAreReadInPlace) {
  CpuMaskScope none;
  std::vector<uint8_t> bytes = defaultModel();
  std::unique_ptr<uint8_t, decltype(&std::free)> aligned(
      static_cast<uint8_t *>(std::aligned_alloc(64, (bytes.size() + 63) / 64 * 64)), &std::free);
  std::memcpy(aligned.get(), bytes.data(), bytes.size());
  qopt_load_options options;
  qopt_load_options_init(&options);
  options.flags = QOPT_LOAD_BORROW_BYTES;
  qopt_model *m = nullptr;
  qopt_error err;
  ASSERT_EQ(qopt_model_load_bytes(aligned.get(), bytes.size(), &options, &m, &err), QOPT_OK)
      << err.message;
  ModelPtr owned(m);
  // The code reads w from the caller's bytes, not from a copy: change w[0] there and the next
  // run sees it.
  const float w0 = kAffineW[0], newW0 = 2.5f;
  uint8_t *found = static_cast<uint8_t *>(memmem(aligned.get(), bytes.size(), kAffineW, 16));
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(found) % 64, 0u) << "buffers are 64-byte aligned";
  std::memcpy(found, &newW0, 4);
  std::vector<float> x = {2.0f, 0, 0, 0}, y;
  ASSERT_EQ(runModel(m, x, y, err), QOPT_OK) << err.message;
  EXPECT_EQ(y[0], 2.0f * newW0 + kAffineC[0]);
  EXPECT_NE(y[0], 2.0f * w0 + kAffineC[0]);
}

TEST(NativeModel, QoptCpuMaskFallsBackToAvx2) {
  if (!hostHas("avx2") || !hostHas("fma"))
    GTEST_SKIP() << "this CPU has no avx2/fma";
  CpuMaskScope mask("avx512vnni,avx512bf16");
  qopt_error err;
  ModelPtr m = loadModel(defaultModel(), err);
  ASSERT_TRUE(m) << err.message;
  EXPECT_STREQ(qopt_model_target(m.get()), "avx2");
  std::vector<float> x = testInput(5), y;
  ASSERT_EQ(runModel(m.get(), x, y, err), QOPT_OK) << err.message;
  for (size_t i = 0; i < x.size(); ++i)
    ASSERT_EQ(y[i], affineReluExpected(x[i], int(i % 4))) << i;
}

TEST(NativeModel, MissingFeaturesAreNamedPerTarget) {
  CpuMaskScope mask("avx512vnni,avx2");
  qopt_error err;
  ModelPtr m = loadModel(defaultModel(), err);
  ASSERT_FALSE(m);
  EXPECT_EQ(err.status, QOPT_ERR_UNSUPPORTED_CPU);
  std::string msg = err.message;
  EXPECT_EQ(msg.rfind("no native code in the model runs on this CPU (it has: ", 0), 0u) << msg;
  size_t hasBegin = msg.find("it has: ") + 8;
  std::string has = msg.substr(hasBegin, msg.find("): ") - hasBegin);
  EXPECT_EQ(has.find("avx512vnni"), std::string::npos) << "masked, so not present: " << msg;
  EXPECT_EQ(has.find("avx2"), std::string::npos) << "masked, so not present: " << msg;
  std::string tail = msg.substr(msg.find("): ") + 3);
  EXPECT_EQ(tail, "target 'avx512vnni' needs avx512vnni (hidden by QOPT_CPU_MASK); target 'avx2' "
                  "needs avx2 (hidden by QOPT_CPU_MASK)");
}

TEST(NativeModel, UnknownFeaturesAreMissing) {
  CpuMaskScope none;
  qopt_error err;
  ModelPtr m = loadModel(modelWith({section("amx", {"avx512f", "amx-int8"})}), err);
  ASSERT_FALSE(m);
  EXPECT_EQ(err.status, QOPT_ERR_UNSUPPORTED_CPU);
  std::string msg = err.message;
  EXPECT_NE(msg.find("target 'amx' needs amx-int8 (unknown to this runtime)"), std::string::npos)
      << msg;
}

TEST(NativeModel, BadQoptCpuMask) {
  CpuMaskScope mask("avx512vnni,avx1024");
  qopt_error err;
  ModelPtr m = loadModel(defaultModel(), err);
  ASSERT_FALSE(m);
  EXPECT_EQ(err.status, QOPT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(err.message).rfind("QOPT_CPU_MASK: unknown CPU feature 'avx1024'", 0), 0u)
      << err.message;
}

/// The choice among sections, with host features given rather than detected.
TEST(NativeModel, SelectionPrefersBf16ThenVnniThenAvx2) {
  std::vector<uint8_t> bytes =
      modelWith({section("generic", {}), section("avx2", {"avx2", "fma"}),
                 section("avx512bf16", {"avx512f", "avx512bf16"}),
                 section("avx512vnni", {"avx512f", "avx512vnni"})});
  const qopt::fb::Model &model = *qopt::fb::GetModel(bytes.data());
  CpuFeatureSet all;
  for (unsigned i = 0; i < kNumCpuFeatures; ++i)
    all.add(CpuFeature(i));
  CpuFeatureSet none;
  std::string error;
  EXPECT_EQ(selectNativeCode(model, all, none, error), 2);
  CpuFeatureSet noBf16 = all;
  noBf16.remove(CpuFeature::avx512bf16);
  EXPECT_EQ(selectNativeCode(model, noBf16, none, error), 3);
  CpuFeatureSet avx2Only;
  avx2Only.add(CpuFeature::avx2);
  avx2Only.add(CpuFeature::fma);
  EXPECT_EQ(selectNativeCode(model, avx2Only, none, error), 1);
  EXPECT_EQ(selectNativeCode(model, none, none, error), 0) << "a section needing nothing";

  std::vector<uint8_t> strict = modelWith({section("avx2", {"avx2", "fma"})});
  EXPECT_EQ(selectNativeCode(*qopt::fb::GetModel(strict.data()), none, none, error), -1);
  EXPECT_EQ(error, "no native code in the model runs on this CPU (it has: none): target 'avx2' "
                   "needs avx2, fma");
}

TEST(NativeModel, CorruptedCodeIsRefusedByItsHash) {
  CpuMaskScope none;
  std::vector<uint8_t> code = testCode();
  CodeSpec c = section("avx2", {});
  c.sha256 = sha256Hex(code.data(), code.size()); // the hash of the intact code
  code[code.size() / 2] ^= 0x01;
  c.code = code;
  qopt_error err;
  ModelPtr m = loadModel(modelWith({c}), err);
  ASSERT_FALSE(m);
  EXPECT_EQ(err.status, QOPT_ERR_CODE_HASH);
  EXPECT_EQ(std::string(err.message),
            "native code #0 (target 'avx2'): the code does not match its SHA-256 (recorded " +
                c.sha256 + ", computed " + sha256Hex(code.data(), code.size()) +
                "): the code section is corrupted");
}

TEST(NativeModel, MalformedHashIsRefused) {
  CpuMaskScope none;
  // A wrong-length "hash" fails like any mismatch.
  CodeSpec c = section("avx2", {});
  c.sha256 = "abc";
  qopt_error err;
  ASSERT_FALSE(loadModel(modelWith({c}), err));
  EXPECT_EQ(err.status, QOPT_ERR_CODE_HASH);
  EXPECT_NE(std::string(err.message).find("recorded abc, computed "), std::string::npos);
}

TEST(NativeModel, AbiMismatchIsRefused) {
  CpuMaskScope none;
  CodeSpec c = section("avx2", {});
  c.abiVersion = QOPT_NATIVE_ABI_VERSION + 1;
  qopt_error err;
  ASSERT_FALSE(loadModel(modelWith({c}), err));
  EXPECT_EQ(err.status, QOPT_ERR_ABI_VERSION);
  EXPECT_EQ(std::string(err.message),
            "native code #0 (target 'avx2'): built for native ABI version " +
                std::to_string(QOPT_NATIVE_ABI_VERSION + 1) +
                ", this runtime implements version " + std::to_string(QOPT_NATIVE_ABI_VERSION) +
                "; recompile the model");
}

TEST(NativeModel, GraphOnlyModelHasNoNativeCode) {
  qopt_error err;
  ASSERT_FALSE(loadModel(modelWith({}), err));
  EXPECT_EQ(err.status, QOPT_ERR_NO_NATIVE_CODE);
  EXPECT_STREQ(err.message, "the model has no native code (a graph-only model; compile it with "
                            "qopt-compile to add code)");
}

TEST(NativeModel, InvalidBytesAreRefused) {
  qopt_error err;
  std::vector<uint8_t> junk(256, 0x5a);
  ASSERT_FALSE(loadModel(junk, err));
  EXPECT_EQ(err.status, QOPT_ERR_INVALID_MODEL);
  EXPECT_EQ(std::string(err.message).rfind("invalid model: ", 0), 0u) << err.message;

  qopt_model *m = reinterpret_cast<qopt_model *>(1);
  EXPECT_EQ(qopt_model_load_bytes(nullptr, 0, nullptr, &m, &err), QOPT_ERR_INVALID_MODEL);
  EXPECT_EQ(m, nullptr);
  EXPECT_EQ(qopt_model_load_bytes(junk.data(), junk.size(), nullptr, nullptr, &err),
            QOPT_ERR_INVALID_ARGUMENT);
  // A NULL error struct is allowed everywhere.
  EXPECT_EQ(qopt_model_load_bytes(junk.data(), junk.size(), nullptr, &m, nullptr),
            QOPT_ERR_INVALID_MODEL);
}

TEST(NativeModel, ConstantOutOfRangeIsRefused) {
  CpuMaskScope none;
  CodeSpec c = section("avx2", {});
  c.constants = {1, 9};
  qopt_error err;
  ASSERT_FALSE(loadModel(modelWith({c}), err));
  EXPECT_EQ(err.status, QOPT_ERR_INVALID_MODEL);
  EXPECT_STREQ(err.message, "native code #0 (target 'avx2'): constant #1: buffer index 9 out of "
                            "range (model has 3 buffers)");
}

TEST(NativeModel, CodeThatDoesNotLoadIsRefused) {
  CpuMaskScope none;
  qopt_error err;
  CodeSpec noEntry = section("avx2", {});
  noEntry.entry = "qopt_no_such_entry";
  ASSERT_FALSE(loadModel(modelWith({noEntry}), err));
  EXPECT_EQ(err.status, QOPT_ERR_CODE_LOAD);
  EXPECT_STREQ(err.message,
               "native code #0 (target 'avx2'): entry symbol 'qopt_no_such_entry' not found in "
               "the code");

  CodeSpec notElf = section("avx2", {});
  notElf.code = {'h', 'e', 'l', 'l', 'o'};
  ASSERT_FALSE(loadModel(modelWith({notElf}), err));
  EXPECT_EQ(err.status, QOPT_ERR_CODE_LOAD);
  EXPECT_STREQ(err.message, "native code #0 (target 'avx2'): not an ELF file");

  // A relocatable object (ET_REL) is ELF but no shared object.
  CodeSpec object = section("avx2", {});
  object.code = testCode();
  object.code[16] = 1; // e_type = ET_REL
  object.code[17] = 0;
  ASSERT_FALSE(loadModel(modelWith({object}), err));
  EXPECT_STREQ(err.message, "native code #0 (target 'avx2'): not an ELF shared object (e_type 1)");
}

TEST(NativeModel, ThreadCount) {
  CpuMaskScope none;
  qopt_error err;
  ModelPtr m = loadModel(defaultModel(), err, 3);
  ASSERT_TRUE(m) << err.message;
  EXPECT_EQ(qopt_model_num_threads(m.get()), 3);
  EXPECT_EQ(qopt_model_set_num_threads(m.get(), 1, &err), QOPT_OK);
  EXPECT_EQ(qopt_model_num_threads(m.get()), 1);
  EXPECT_EQ(qopt_model_set_num_threads(m.get(), -2, &err), QOPT_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(err.message, "thread count -2 out of range [0, 1024]");
  EXPECT_EQ(qopt_model_set_num_threads(m.get(), 0, &err), QOPT_OK);
  EXPECT_GE(qopt_model_num_threads(m.get()), 1);
  EXPECT_EQ(qopt_model_set_num_threads(nullptr, 1, &err), QOPT_ERR_INVALID_ARGUMENT);
}

TEST(NativeModel, StepInfoOfCodeWithoutSteps) {
  // The hand-written test code records no NativeCode.steps: zero steps, an out-of-range index
  // refused with its message, NULL arguments refused.
  if (!hostHas("avx2"))
    GTEST_SKIP() << "this CPU has no avx2";
  CpuMaskScope none;
  qopt_error err;
  ModelPtr m = loadModel(defaultModel(), err);
  ASSERT_TRUE(m) << err.message;
  EXPECT_EQ(qopt_model_num_steps(m.get()), 0);
  EXPECT_EQ(qopt_model_num_steps(nullptr), 0);
  qopt_step_info info;
  EXPECT_EQ(qopt_model_step_info(m.get(), 0, &info, &err), QOPT_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(err.message, "step index 0 out of range (the code has 0 steps)");
  EXPECT_EQ(qopt_model_step_info(m.get(), 0, nullptr, &err), QOPT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(qopt_model_run_profiled(nullptr, nullptr, 0, nullptr, 0, nullptr, &err),
            QOPT_ERR_INVALID_ARGUMENT);
}

TEST(NativeModel, Names) {
  EXPECT_STREQ(qopt_status_name(QOPT_ERR_CODE_HASH), "QOPT_ERR_CODE_HASH");
  EXPECT_STREQ(qopt_status_name(qopt_status(99)), "unknown status");
  EXPECT_STREQ(qopt_dtype_name(QOPT_BF16), "bf16");
  EXPECT_STREQ(qopt_dtype_name(QOPT_BOOL), "bool");
  EXPECT_EQ(qopt_runtime_abi_version(), uint32_t(QOPT_NATIVE_ABI_VERSION));
}

} // namespace
