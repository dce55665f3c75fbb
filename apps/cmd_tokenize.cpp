// r1 tokenize: JSONL texts to token ids (or ids to texts with --decode) with a checkpoint's or
// a Hugging Face folder's tokenizer. A bad line gets an error line and the run goes on.
#include <cstdio>
#include <iostream>

#include "core/args.h"
#include "apps/commands.h"
#include "core/json.h"
#include "core/line_reader.h"
#include "model/tokenizer.h"

namespace r1 {

namespace {

// One output line for one input line; throws Error with a message for a bad line.
ordered_json tokenize_line(const Tokenizer& tok, const std::string& text, bool decode,
                           const std::string& where) {
  const json rec = parse_json(text, where);
  if (!rec.is_object()) fail(where, ": expected a JSON object, got ", json_type_name(rec));
  ordered_json out;
  if (rec.contains("id")) out["id"] = rec["id"];
  if (!decode) {
    if (!rec.contains("text") || !rec["text"].is_string())
      fail(where, ": expected a string field \"text\"");
    out["ids"] = tok.encode(rec["text"].get<std::string>());
    return out;
  }
  if (!rec.contains("ids") || !rec["ids"].is_array())
    fail(where, ": expected an array field \"ids\"");
  std::vector<int32_t> ids;
  for (size_t i = 0; i < rec["ids"].size(); ++i) {
    const json& v = rec["ids"][i];
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() >= tok.vocab_size()) {
      fail(where, ": ids[", i, "]: expected a token id in [0, ", tok.vocab_size(), "), got ",
           json_snippet(v));
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
  LineReader reader(std::cin, kDefaultMaxLineBytes);
  InputLine line;
  size_t lines = 0, errors = 0;
  while (reader.next(&line)) {
    if (!line.too_long && line.text.find_first_not_of(" \t\r") == std::string::npos) continue;
    ++lines;
    const std::string where = cat("stdin:", line.number);
    ordered_json out;
    try {
      if (line.too_long)
        fail(where, ": line of ", line.too_long, " bytes is over the limit of ",
             kDefaultMaxLineBytes);
      out = tokenize_line(*tok, line.text, decode, where);
    } catch (const std::exception& e) {
      ++errors;
      out = ordered_json();
      out["error"] = e.what();
      out["line"] = line.number;
    }
    std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  }
  std::cout.flush();
  std::fprintf(stderr, "r1 tokenize: %zu lines, %zu errors\n", lines, errors);
  return 0;
}

}  // namespace r1
