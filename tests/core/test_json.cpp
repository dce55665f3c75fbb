#include <gtest/gtest.h>

#include "core/json.h"
#include "tests/common/error_of.h"

using r1::testing::error_of;

using r1::json;
using r1::JsonReader;

TEST(JsonReader, ReadsTypedFields) {
  json j = {{"a", 3}, {"b", 2.5}, {"c", "x"}, {"d", true}, {"e", {1, 2}}};
  JsonReader r(j, "cfg.json");
  EXPECT_EQ(r.req<int>("a"), 3);
  EXPECT_DOUBLE_EQ(r.req<double>("b"), 2.5);
  EXPECT_EQ(r.req<std::string>("c"), "x");
  EXPECT_TRUE(r.req<bool>("d"));
  EXPECT_EQ(r.req<std::vector<int>>("e"), (std::vector<int>{1, 2}));
  EXPECT_EQ(r.get<int>("missing", 9), 9);
  r.done();
}

TEST(JsonReader, IntegerAcceptedAsDouble) {
  json j = {{"lr", 1}};
  JsonReader r(j, "cfg.json");
  EXPECT_DOUBLE_EQ(r.req<double>("lr"), 1.0);
}

TEST(JsonReader, IllTypedFieldNamesFieldAndFile) {
  json j = {{"hidden_size", "big"}};
  JsonReader r(j, "model/config.json");
  std::string e = error_of([&] { r.req<int>("hidden_size"); });
  EXPECT_NE(e.find("model/config.json"), std::string::npos) << e;
  EXPECT_NE(e.find("hidden_size"), std::string::npos) << e;
  EXPECT_NE(e.find("integer"), std::string::npos) << e;
}

TEST(JsonReader, UnknownFieldIsAnError) {
  json j = {{"hidden_size", 8}, {"hiden_layers", 2}};
  JsonReader r(j, "c.json");
  r.req<int>("hidden_size");
  r.get<int>("num_hidden_layers", 1);
  std::string e = error_of([&] { r.done(); });
  EXPECT_NE(e.find("unknown field 'hiden_layers'"), std::string::npos) << e;
  EXPECT_NE(e.find("c.json"), std::string::npos) << e;
  EXPECT_NE(e.find("num_hidden_layers"), std::string::npos) << "known fields listed: " << e;
}

TEST(JsonReader, MissingRequired) {
  json j = json::object();
  JsonReader r(j, "c.json");
  std::string e = error_of([&] { r.req<int>("vocab_size"); });
  EXPECT_NE(e.find("missing required field 'vocab_size'"), std::string::npos) << e;
}

TEST(JsonReader, NestedChildNamesPath) {
  json j = {{"rollout", {{"temperature", "hot"}}}};
  JsonReader r(j, "run.json");
  auto c = r.child("rollout");
  std::string e = error_of([&] { c.req<double>("temperature"); });
  EXPECT_NE(e.find("run.json: field 'rollout': field 'temperature'"), std::string::npos) << e;
}

TEST(JsonReader, NegativeForUnsigned) {
  json j = {{"n", -1}};
  JsonReader r(j, "c.json");
  EXPECT_NE(error_of([&] { r.req<unsigned>("n"); }).find("non-negative"), std::string::npos);
}

// A value that does not fit the field's type is an error, not a wrapped number (4294967297 read
// as an int would be 1: a "batch_groups" of 2^32 + 1 became a batch of one).
TEST(JsonReader, IntegerOutOfRangeIsAnErrorNotAWrap) {
  json j = {{"big", 4294967297LL}, {"neg", -4294967297LL}, {"huge", 18446744073709551615ULL}, {"ok", 2147483647}};
  JsonReader r(j, "c.json");
  std::string e = error_of([&] { r.req<int>("big"); });
  EXPECT_NE(e.find("c.json: field 'big': expected an integer in [-2147483648, 2147483647], got 4294967297"),
            std::string::npos)
      << e;
  EXPECT_NE(error_of([&] { r.req<int>("neg"); }).find("field 'neg'"), std::string::npos);
  EXPECT_NE(error_of([&] { r.req<int64_t>("huge"); }).find("field 'huge'"), std::string::npos);
  EXPECT_NE(error_of([&] { r.req<std::vector<int>>("big"); }).find("an array"), std::string::npos);
  EXPECT_EQ(r.req<int>("ok"), 2147483647);
  EXPECT_EQ(r.req<int64_t>("big"), 4294967297LL);
  EXPECT_EQ(r.req<uint64_t>("huge"), 18446744073709551615ULL);
  json arr = {{"v", {1, 4294967297LL}}};
  JsonReader ra(arr, "c.json");
  EXPECT_NE(error_of([&] { ra.req<std::vector<int>>("v"); }).find("field 'v[1]'"), std::string::npos);
}

TEST(Json, ParseErrorNamesSource) {
  std::string e = error_of([] { r1::parse_json("{\"a\": ", "x.json"); });
  EXPECT_NE(e.find("x.json"), std::string::npos) << e;
}

// Nesting is capped before nlohmann recurses: a line of 100,000 or 10,000,000 open brackets
// must be an r1::Error naming the source and the depth, not a stack overflow or gigabytes.
TEST(Json, DeepNestingIsRejectedNamingSourceAndDepth) {
  for (size_t levels : {size_t{100000}, size_t{10000000}}) {
    std::string arrays = std::string(levels, '[') + std::string(levels, ']');
    std::string e = error_of([&] { r1::parse_json(arrays, "deep.json"); });
    EXPECT_NE(e.find("deep.json"), std::string::npos) << e.substr(0, 200);
    EXPECT_NE(e.find("nesting"), std::string::npos) << e.substr(0, 200);
    EXPECT_NE(e.find(std::to_string(r1::kMaxJsonDepth)), std::string::npos) << e.substr(0, 200);
  }
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(100000, '}');
  EXPECT_NE(error_of([&] { r1::parse_json(objects, "obj.json"); }).find("nesting"),
            std::string::npos);
}

TEST(Json, NestingUpToTheCapParsesAndBracketsInStringsDoNotCount) {
  const int cap = r1::kMaxJsonDepth;
  std::string at_cap = std::string(cap, '[') + std::string(cap, ']');
  EXPECT_NO_THROW(r1::parse_json(at_cap, "cap.json"));
  std::string over = "[" + at_cap + "]";
  EXPECT_NE(error_of([&] { r1::parse_json(over, "over.json"); }).find("nesting"),
            std::string::npos);
  // Brackets and escaped quotes inside strings are text, not structure.
  std::string text = "[\"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') + "\"]";
  json j = r1::parse_json(text, "s.json");
  EXPECT_EQ(j[0].get<std::string>().size(), 2001u);
  // A smaller cap for one call.
  EXPECT_NE(error_of([] { r1::parse_json("[[[1]]]", "three.json", 2); }).find("nesting"),
            std::string::npos);
  EXPECT_NO_THROW(r1::parse_json("[[[1]]]", "three.json", 3));
}

// nlohmann keeps the last of two equal keys without a word: a config with "lr" twice would train
// at whichever came second. Every parse refuses it, naming the key and the object it is in;
// equal keys in different objects, and a key spelled with an escape, are judged as text.
TEST(Json, AKeyWrittenTwiceInOneObjectIsAnErrorNamingKeyAndObject) {
  std::string e = error_of([] { r1::parse_json("{\"lr\": 1, \"lr\": 2}", "run.json"); });
  EXPECT_NE(e.find("run.json"), std::string::npos) << e;
  EXPECT_NE(e.find("'lr' appears twice in the top-level object"), std::string::npos) << e;
  e = error_of([] {
    r1::parse_json(R"({"learner": {"grpo": {"clip": 0.2}, "x": [{"a": 1, "b": 2, "a": 3}]}})",
                   "nested.json");
  });
  EXPECT_NE(e.find("'a' appears twice in object 'learner.x[]'"), std::string::npos) << e;
  // An escaped spelling of "lr" is the same key.
  EXPECT_NE(error_of([] { r1::parse_json(R"({"lr": 1, "\u006cr": 2})", "esc.json"); }).find("'lr'"),
            std::string::npos);
  // The same key in sibling objects, in array elements, and after a closed object is fine.
  json ok = r1::parse_json(
      R"({"a": {"k": 1}, "b": {"k": 2}, "c": [{"k": 3}, {"k": 4}], "k": {"k": {"k": 5}}})",
      "ok.json");
  EXPECT_EQ(ok["k"]["k"]["k"].get<int>(), 5);
  EXPECT_EQ(ok["c"][1]["k"].get<int>(), 4);
}

// nlohmann reports 1e999 as out_of_range, not parse_error: it must still be an r1::Error
// naming the source, like any other bad text.
TEST(Json, NumbersOutOfRangeAreErrorsNamingSource) {
  for (const char* text : {"{\"x\": 1e999}", "[-1e999]", "1E400"}) {
    std::string e = error_of([&] { r1::parse_json(text, "num.json"); });
    EXPECT_NE(e.find("num.json"), std::string::npos) << text << ": " << e;
    EXPECT_NE(e.find("out of range"), std::string::npos) << text << ": " << e;
  }
  // Invalid UTF-8 and NUL bytes are errors too (inside strings and out).
  for (std::string text :
       {std::string("[\"\xff\"]"), std::string("[\"a\0b\"]", 7), std::string("[1,\0]", 5)}) {
    EXPECT_NE(error_of([&] { r1::parse_json(text, "bytes.json"); }).find("bytes.json"),
              std::string::npos);
  }
}

// Integers that do not fit the field's type are errors, never silently wrapped.
TEST(JsonReader, IntegersOutOfTheFieldsRangeAreErrors) {
  json j = json::parse(
      R"({"int": 4294967297, "i64": 18446744073709551615, "u32": 4294967296, "neg": -2147483649,
          "f": 1e39, "ok": 2147483647, "huge": 123456789012345678901234567890,
          "arr": [1, 4294967297]})");
  JsonReader r(j, "range.json");
  for (const char* key : {"int", "neg", "huge"}) {
    std::string e = error_of([&] { r.req<int>(key); });
    EXPECT_NE(e.find(key), std::string::npos) << e;
    EXPECT_NE(e.find("range.json"), std::string::npos) << e;
  }
  EXPECT_NE(error_of([&] { r.req<int64_t>("i64"); }).find("i64"), std::string::npos);
  EXPECT_NE(error_of([&] { r.req<uint32_t>("u32"); }).find("u32"), std::string::npos);
  EXPECT_NE(error_of([&] { r.req<float>("f"); }).find("'f'"), std::string::npos);
  EXPECT_EQ(r.req<int>("ok"), 2147483647);
  EXPECT_EQ(r.req<uint64_t>("i64"), 18446744073709551615ull);
  EXPECT_DOUBLE_EQ(r.req<double>("f"), 1e39);
  EXPECT_NE(error_of([&] { r.req<std::vector<int>>("arr"); }).find("arr[1]"), std::string::npos);
}
