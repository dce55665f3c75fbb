#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "core/file_checksums.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/rng.h"
#include "core/safetensors.h"

using namespace r1;

namespace {

std::string temp_dir() {
  static std::string dir = [] {
    std::string d = std::filesystem::temp_directory_path() / ("r1_st_test_" + std::to_string(::getpid()));
    make_dirs(d);
    return d;
  }();
  return dir;
}

std::string write_sample(const std::string& name) {
  std::vector<float> a = {1.0f, -2.5f, 3.25f, 0.0f, 1e-3f, -7.0f};
  std::vector<float> b = {0.1f, 0.2f, 0.3f, 0.4f};
  std::vector<int32_t> c = {1, -2, 3};
  std::vector<int64_t> d = {1ll << 40, -5};
  SafetensorsWriter w;
  w.add_f32("a", {2, 3}, a.data());
  w.add_f32("b.bf16", {4}, b.data(), DType::BF16);
  w.add_f32("b.f16", {2, 2}, b.data(), DType::F16);
  w.add("c", DType::I32, {3}, c.data());
  w.add("d", DType::I64, {2}, d.data());
  w.set_metadata("format", "pt");
  std::string path = temp_dir() + "/" + name;
  w.write(path);
  return path;
}

}  // namespace

TEST(Safetensors, RoundTripAllDtypes) {
  std::string path = write_sample("rt.safetensors");
  SafetensorsFile f(path);
  EXPECT_EQ(f.tensors().size(), 5u);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  std::vector<float> a(6);
  f.read_f32("a", {2, 3}, a.data());
  EXPECT_EQ(a[1], -2.5f);
  EXPECT_EQ(a[4], 1e-3f);
  std::vector<float> b(4);
  f.read_f32("b.bf16", {4}, b.data());
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(b[i], 0.1f * (i + 1), 0.002f);  // bf16 has 8 bits of mantissa
  f.read_f32("b.f16", {2, 2}, b.data());
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(b[i], 0.1f * (i + 1), 2e-4f);  // f16 has 11 bits
  const TensorInfo& d = f.get("d");
  int64_t d0;
  std::memcpy(&d0, d.data, 8);
  EXPECT_EQ(d0, 1ll << 40);
  EXPECT_EQ(f.get("c").dtype, DType::I32);
}

TEST(Safetensors, ShapeMismatchAndMissingNameTheTensor) {
  std::string path = write_sample("shape.safetensors");
  SafetensorsFile f(path);
  std::vector<float> buf(16);
  try {
    f.read_f32("a", {3, 2}, buf.data());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'a' has shape [2, 3], expected [3, 2]"), std::string::npos) << e.what();
  }
  try {
    f.read_f32("nope", {1}, buf.data());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing tensor 'nope'"), std::string::npos) << e.what();
  }
}

TEST(Safetensors, HalfConversionsExactCases) {
  EXPECT_EQ(f16_to_f32(f32_to_f16(1.0f)), 1.0f);
  EXPECT_EQ(f16_to_f32(f32_to_f16(-65504.0f)), -65504.0f);
  EXPECT_TRUE(std::isinf(f16_to_f32(f32_to_f16(70000.0f))));
  EXPECT_EQ(f16_to_f32(f32_to_f16(5.960464477539063e-08f)), 5.960464477539063e-08f);  // smallest subnormal
  EXPECT_EQ(f16_to_f32(f32_to_f16(2.9e-08f)), 0.0f);
  EXPECT_TRUE(std::isnan(f16_to_f32(f32_to_f16(NAN))));
  EXPECT_EQ(bf16_to_f32(f32_to_bf16(1.5f)), 1.5f);
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(NAN))));
  // Every half value survives f16 -> f32 -> f16.
  for (uint32_t h = 0; h < 65536; ++h) {
    float f = f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    ASSERT_EQ(f32_to_f16(f), h) << h;
  }
}

// A damaged file must give an r1::Error (naming the file) and never crash or read past the end.
// Truncation at every length, random byte flips, and random header rewrites.
TEST(Safetensors, DamagedFilesGiveClearErrors) {
  std::string path = write_sample("good.safetensors");
  std::string good = read_file(path);
  std::string bad_path = temp_dir() + "/bad.safetensors";
  Rng rng(2024);
  int errors = 0, opened = 0;
  auto attempt = [&](const std::string& bytes) {
    write_file_atomic(bad_path, bytes);
    try {
      SafetensorsFile f(bad_path);
      ++opened;
      // Whatever opened must be readable within bounds.
      for (const auto& t : f.tensors()) {
        std::vector<float> buf(static_cast<size_t>(t.numel()) + 1);
        if (t.dtype == DType::F32 || t.dtype == DType::F16 || t.dtype == DType::BF16 || t.dtype == DType::F64) {
          f.read_f32(t.name, t.shape, buf.data());
        }
      }
    } catch (const Error& e) {
      ++errors;
      EXPECT_NE(std::string(e.what()).find("bad.safetensors"), std::string::npos) << e.what();
    }
  };
  for (size_t len = 0; len < good.size(); ++len) attempt(good.substr(0, len));
  EXPECT_EQ(errors, static_cast<int>(good.size())) << "every truncation must be rejected";
  for (int i = 0; i < 3000; ++i) {
    std::string s = good;
    int flips = 1 + static_cast<int>(rng.below(4));
    for (int k = 0; k < flips; ++k) s[rng.below(s.size())] = static_cast<char>(rng.below(256));
    attempt(s);
  }
  // Header-length field set to random values.
  for (int i = 0; i < 500; ++i) {
    std::string s = good;
    uint64_t v = rng.next_u64() >> rng.below(64);
    for (int k = 0; k < 8; ++k) s[k] = static_cast<char>(v >> (8 * k));
    attempt(s);
  }
  // Plausible but inconsistent headers.
  const char* headers[] = {
      R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})",
      R"({"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
      R"({"x":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}})",
      R"({"x":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}})",
      R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})",
      R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0]}})",
      R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
      R"({"x":[1,2,3]})",
      R"([1,2])",
      R"({"__metadata__":{"a":1}})",
  };
  for (const char* h : headers) {
    std::string header = h;
    std::string s(8, '\0');
    for (int k = 0; k < 8; ++k) s[k] = static_cast<char>(static_cast<uint64_t>(header.size()) >> (8 * k));
    s += header + std::string(8, '\0');
    int before = errors;
    attempt(s);
    EXPECT_EQ(errors, before + 1) << "accepted: " << h;
  }
  EXPECT_GT(errors, 3000);
  std::printf("damaged files: %d rejected with an error, %d still valid\n", errors, opened);
}

// The header is JSON from the file: nesting is capped before the parser recurses or allocates
// (a 100 MB header of '[' would otherwise build a hundred million nested arrays).
TEST(Safetensors, DeepHeaderNestingIsRejectedNamingTheFile) {
  std::string header = R"({"__metadata__": {"a": )" + std::string(1000000, '[') + "}}";
  std::string s(8, '\0');
  for (int k = 0; k < 8; ++k)
    s[k] = static_cast<char>(static_cast<uint64_t>(header.size()) >> (8 * k));
  s += header;
  const std::string path = temp_dir() + "/deep.safetensors";
  write_file_atomic(path, s);
  try {
    SafetensorsFile f(path);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nesting"), std::string::npos) << e.what();
  }
}

// A folder's checksums.json (written with the file) is checked when the file is opened: a bit
// flip, a truncation, or a file it does not list fails naming the file; no checksums.json, no
// check (Hugging Face folders).
TEST(Safetensors, ChecksumsJsonIsVerifiedOnOpen) {
  const std::string dir = temp_dir() + "/sums";
  make_dirs(dir);
  const std::string path = dir + "/a.safetensors";
  std::filesystem::rename(write_sample("a.safetensors"), path);
  auto error_opening = [&](const std::string& p) -> std::string {
    try {
      SafetensorsFile f(p);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(error_opening(path), "") << "no checksums.json: opens as before";
  record_file_checksum(dir, "a.safetensors");
  json sums = load_json_file(dir + "/checksums.json");
  EXPECT_EQ(sums["algorithm"], "crc32c");
  EXPECT_EQ(sums["files"]["a.safetensors"]["bytes"], read_file(path).size());
  EXPECT_EQ(error_opening(path), "");
  const std::string good = read_file(path);

  std::string flipped = good;
  flipped[good.size() - 3] ^= 0x10;  // inside the last tensor's data: the file stays valid
  write_file_atomic(path, flipped);
  std::string e = error_opening(path);
  EXPECT_NE(e.find(path), std::string::npos) << e;
  EXPECT_NE(e.find("checksum"), std::string::npos) << e;
  EXPECT_NE(e.find("expected"), std::string::npos) << e;
  EXPECT_NE(e.find("actual"), std::string::npos) << e;

  write_file_atomic(path, good + std::string(8, ' '));
  e = error_opening(path);
  EXPECT_NE(e.find(std::to_string(good.size() + 8)), std::string::npos) << "sizes differ: " << e;

  write_file_atomic(path, good);
  EXPECT_EQ(error_opening(path), "");
  write_file_atomic(dir + "/b.safetensors", good);
  e = error_opening(dir + "/b.safetensors");
  EXPECT_NE(e.find("b.safetensors"), std::string::npos) << e;
  EXPECT_NE(e.find("not listed"), std::string::npos) << e;
  record_file_checksum(dir, "b.safetensors");  // a second file joins the first
  EXPECT_EQ(error_opening(dir + "/b.safetensors"), "");
  EXPECT_EQ(error_opening(path), "");

  write_file_atomic(dir + "/checksums.json", "{\"algorithm\": \"crc32c\", \"files\": [1]}");
  e = error_opening(path);
  EXPECT_NE(e.find("checksums.json"), std::string::npos) << e;
}
