// r1 tokenize: JSONL texts to token ids (or ids to texts with --decode) with a checkpoint's or
// a Hugging Face folder's tokenizer. A bad line gets an error line and the run goes on.
#include <cstdio>
#include <iostream>

#include "apps/args.h"
#include "apps/commands.h"
#include "core/json.h"
#include "model/tokenizer.h"

namespace r1 {

namespace {

// One output line for one input line; throws Error with a message for a bad line.
ordered_json tokenize_line(const Tokenizer& tok, const std::string& text, bool decode) {
  json rec;
  try {
    rec = json::parse(text);
  } catch (const json::parse_error& e) {
    fail("invalid JSON at byte ", e.byte);
  }
  if (!rec.is_object()) fail("expected a JSON object, got ", json_type_name(rec));
  ordered_json out;
  if (rec.contains("id")) out["id"] = rec["id"];
  if (!decode) {
    if (!rec.contains("text") || !rec["text"].is_string()) fail("expected a string field \"text\"");
    out["ids"] = tok.encode(rec["text"].get<std::string>());
    return out;
  }
  if (!rec.contains("ids") || !rec["ids"].is_array()) fail("expected an array field \"ids\"");
  std::vector<int32_t> ids;
  for (size_t i = 0; i < rec["ids"].size(); ++i) {
    const json& v = rec["ids"][i];
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() >= tok.vocab_size()) {
      fail("ids[", i, "]: expected a token id in [0, ", tok.vocab_size(), "), got ", v.dump());
    }
    ids.push_back(v.get<int32_t>());
  }
  out["text"] = tok.decode(ids);
  return out;
}

}  // namespace

int cmd_tokenize(int argc, char** argv) {
  Args args(
      "tokenize",
      "Tokenize JSONL {\"text\": ...} lines from stdin into {\"ids\": [...]} lines on stdout; "
      "with\n"
      "--decode, {\"ids\": [...]} lines into {\"text\": ...}. An \"id\" field is copied to the "
      "output.\n"
      "A malformed line gives {\"error\": \"stdin:N: ...\", \"line\": N} and the run goes on.");
  args.required("tokenizer", "DIR",
                "folder with tokenizer.json (Hugging Face) or byte_tokenizer.json")
      .flag("decode", "read ids and write texts")
      .epilog(
          "examples:\n"
          "  echo '{\"text\": \"Hello, world!\"}' | r1 tokenize --tokenizer "
          "../shared/data/tokenizers/qwen3\n"
          "  echo '{\"ids\": [9707, 11, 1879, 0]}' | r1 tokenize --tokenizer DIR --decode");
  if (!args.parse(argc, argv)) return 0;
  const bool decode = args.on("decode");
  auto tok = load_tokenizer(args.str("tokenizer"));

  std::ios::sync_with_stdio(false);
  std::string text;
  size_t number = 0, lines = 0, errors = 0;
  while (std::getline(std::cin, text)) {
    ++number;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank line
    ++lines;
    ordered_json out;
    try {
      out = tokenize_line(*tok, text, decode);
    } catch (const Error& e) {
      ++errors;
      out = ordered_json();
      out["error"] = cat("stdin:", number, ": ", e.what());
      out["line"] = number;
    }
    std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  }
  std::cout.flush();
  std::fprintf(stderr, "r1 tokenize: %zu lines, %zu errors\n", lines, errors);
  return 0;
}

}  // namespace r1
