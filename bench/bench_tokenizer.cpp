// r1 bench tokenizer: BpeTokenizer encode and decode speed on a corpus (by default the
// tokenizer folder's golden.jsonl texts), against same-run references on the same bytes:
// UTF-8 decoding to code points (the least any tokenizer must do) and ByteTokenizer::encode.
//   - encode_cold: the first pass, with an empty word cache (every piece seen for the first
//     time: the worst case; real text repeats its words far more than the golden corpus);
//   - encode: later passes, one thread (the per-core figure);
//   - encode_threads: all threads encoding at once, total MB/s (encode is thread-safe).
#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

#include "core/args.h"
#include "bench/bench.h"
#include "bench/bench_util.h"
#include "core/json.h"
#include "model/bpe_tokenizer.h"
#include "model/byte_tokenizer.h"
#include "model/unicode.h"

namespace r1 {

namespace {

std::vector<std::string> read_corpus(const std::string& path) {
  std::ifstream f(path);
  if (!f) fail(path, ": cannot open the corpus");
  std::vector<std::string> texts;
  std::string line;
  int n = 0;
  while (std::getline(f, line)) {
    ++n;
    if (line.empty()) continue;
    json j = parse_json(line, cat(path, ":", n));
    if (!j.is_object() || !j.contains("text") || !j["text"].is_string()) {
      fail(path, ":", n, ": expected an object with a string \"text\"");
    }
    texts.push_back(j["text"].get<std::string>());
  }
  if (texts.empty()) fail(path, ": no texts");
  return texts;
}

// MB/s of `pass` (one pass over `bytes` bytes), repeated for at least `seconds`.
template <typename F>
double rate(size_t bytes, double seconds, F pass) {
  int passes = 0;
  double t0 = steady_seconds(), t = t0;
  while (passes == 0 || t - t0 < seconds) {
    pass();
    ++passes;
    t = steady_seconds();
  }
  return bytes * static_cast<double>(passes) / (t - t0) / 1e6;
}

}  // namespace

int bench_tokenizer(int argc, char** argv) {
  Args args("bench tokenizer",
            "Encode/decode speed of a Hugging Face tokenizer (BpeTokenizer), as JSON.");
  args.required("tokenizer", "DIR",
                "folder with tokenizer.json (e.g. ../shared/data/tokenizers/qwen3)")
      .opt("corpus", "FILE", "JSONL with {\"text\"} lines [default: DIR/golden.jsonl]")
      .opt("seconds", "S", "time per measurement", "2")
      .opt("threads", "N", "threads for the concurrent figure; 0 is all cores", "0");
  if (!args.parse(argc, argv)) return 0;
  const std::string dir = args.str("tokenizer");
  const std::string corpus_path = args.has("corpus") ? args.str("corpus") : dir + "/golden.jsonl";
  const double seconds = args.number("seconds");
  if (seconds <= 0) fail("--seconds must be positive");
  int threads = static_cast<int>(args.integer("threads"));
  if (threads < 0) fail("--threads must be >= 0");
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());

  const auto texts = read_corpus(corpus_path);
  size_t bytes = 0;
  for (const auto& t : texts) bytes += t.size();

  double t0 = steady_seconds();
  auto tok = BpeTokenizer::load(dir);
  const double load_s = steady_seconds() - t0;

  // Builds the lazily made Unicode tables, so that the cold pass times encoding only.
  tok->encode("warm-up: e\xcc\x81 1");
  size_t tokens = 0;
  std::vector<std::vector<int32_t>> ids(texts.size());
  t0 = steady_seconds();
  for (size_t i = 0; i < texts.size(); ++i) ids[i] = tok->encode(texts[i]);
  const double cold = bytes / (steady_seconds() - t0) / 1e6;
  for (const auto& v : ids) tokens += v.size();

  const double encode = rate(bytes, seconds, [&] {
    for (const auto& t : texts) tok->encode(t);
  });
  std::atomic<bool> go{false};
  std::atomic<int64_t> passes{0};
  double tp0 = 0, tp1 = 0;
  {
    std::vector<std::thread> pool;
    for (int w = 0; w < threads; ++w) {
      pool.emplace_back([&] {
        while (!go) std::this_thread::yield();
        double end = steady_seconds() + seconds;
        while (steady_seconds() < end) {
          for (const auto& t : texts) tok->encode(t);
          ++passes;
        }
      });
    }
    tp0 = steady_seconds();
    go = true;
    for (auto& t : pool) t.join();
    tp1 = steady_seconds();
  }
  const double encode_threads = bytes * static_cast<double>(passes) / (tp1 - tp0) / 1e6;
  const double decode = rate(bytes, seconds, [&] {
    for (const auto& v : ids) tok->decode(v);
  });

  // References on the same bytes.
  std::vector<uint32_t> cps, offsets;
  const double utf8 = rate(bytes, seconds, [&] {
    for (const auto& t : texts) decode_utf8(t, cps, offsets);
  });
  ByteTokenizer byte_tok;
  const double byte_encode = rate(bytes, seconds, [&] {
    for (const auto& t : texts) byte_tok.encode(t);
  });

  json out = {{"bench", "tokenizer"},
              {"tokenizer", dir},
              {"corpus", corpus_path},
              {"texts", texts.size()},
              {"bytes", bytes},
              {"tokens", tokens},
              {"bytes_per_token", bytes / std::max<double>(1.0, tokens)},
              {"load_seconds", load_s},
              {"encode_cold_mb_s", cold},
              {"encode_mb_s", encode},
              {"threads", threads},
              {"encode_threads_mb_s", encode_threads},
              {"decode_mb_s", decode},
              {"reference_utf8_decode_mb_s", utf8},
              {"reference_byte_tokenizer_mb_s", byte_encode},
              {"ratio_encode_to_utf8_decode", encode / utf8},
              {"ratio_encode_to_byte_tokenizer", encode / byte_encode}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace r1
