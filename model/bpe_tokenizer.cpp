#include "model/bpe_tokenizer.h"

#include "core/fs.h"
#include "model/byte_level.h"
#include "model/unicode.h"

namespace r1 {

namespace {

// The decoder: ByteLevel (or none, treated the same way since our vocabularies are byte-level).
void check_decoder(const json& j, const std::string& where) {
  if (j.is_null())
    fail(where, ": field 'decoder': null decoder is not supported (expected ByteLevel)");
  JsonReader r(j, where + ": field 'decoder'");
  std::string type = r.req<std::string>("type");
  r.check(type == "ByteLevel", "type",
          cat("unsupported decoder '", type, "' (supported: ByteLevel)"));
  r.ignore({"add_prefix_space", "trim_offsets", "use_regex"});  // no effect on decoding
  r.done();
}

// The post-processor only adds offsets for ByteLevel; anything that inserts tokens is refused
// rather than silently skipped.
void check_post_processor(const json& j, const std::string& where) {
  if (j.is_null()) return;
  JsonReader r(j, where + ": field 'post_processor'");
  std::string type = r.req<std::string>("type");
  r.check(type == "ByteLevel", "type",
          cat("unsupported post_processor '", type, "' (supported: ByteLevel, null)"));
  r.ignore({"add_prefix_space", "trim_offsets", "use_regex"});
  r.done();
}

// HF's ByteLevel decoder: a token whose characters are all in the byte alphabet becomes those
// bytes; any other token is taken as its UTF-8 text.
std::string token_bytes(const std::string& chars) {
  std::string out;
  if (!byte_level_decode(chars, out)) out = chars;
  return out;
}

}  // namespace

BpeTokenizer::BpeTokenizer() = default;

std::unique_ptr<BpeTokenizer> BpeTokenizer::load(const std::string& dir) {
  std::string path = join_path(dir, kFileName);
  if (!file_exists(path)) fail(dir, ": no ", kFileName);
  std::string cfg_path = join_path(dir, kConfigFileName);
  return from_text(read_file(path), file_exists(cfg_path) ? read_file(cfg_path) : std::string(),
                   path);
}

std::unique_ptr<BpeTokenizer> BpeTokenizer::from_text(const std::string& tokenizer_text,
                                                      const std::string& config_text,
                                                      const std::string& where) {
  std::unique_ptr<BpeTokenizer> t(new BpeTokenizer());
  t->tokenizer_text_ = tokenizer_text;
  t->config_text_ = config_text;
  json j = parse_json(tokenizer_text, where);
  JsonReader r(j, where);
  r.ignore({"version", "truncation", "padding"});
  t->model_ = BpeModel::from_json(r.raw("model"), where + ": field 'model'");
  t->normalizer_ = TextNormalizer::from_json(r.raw("normalizer"), where + ": field 'normalizer'");
  t->pretokenizer_ =
      PreTokenizer::from_json(r.raw("pre_tokenizer"), where + ": field 'pre_tokenizer'");
  if (!t->pretokenizer_.byte_level()) {
    fail(where, ": field 'pre_tokenizer': no ByteLevel step (only byte-level BPE is supported)");
  }
  check_decoder(r.raw("decoder"), where);
  check_post_processor(r.raw("post_processor"), where);

  int max_id = t->model_.size() - 1;
  const json& added = r.raw("added_tokens");
  if (!added.is_null() && !added.is_array()) r.fail_field("added_tokens", "expected an array");
  std::vector<AddedToken> tokens;
  for (size_t i = 0; i < (added.is_array() ? added.size() : 0); ++i) {
    JsonReader a(added[i], cat(where, ": added_tokens[", i, "]"));
    AddedToken tok;
    tok.id = a.req<int32_t>("id");
    tok.content = a.req<std::string>("content");
    tok.special = a.get<bool>("special", false);
    tok.lstrip = a.get<bool>("lstrip", false);
    tok.rstrip = a.get<bool>("rstrip", false);
    tok.normalized = a.get<bool>("normalized", !tok.special);
    a.check(!a.get<bool>("single_word", false), "single_word",
            "single_word added tokens are not supported");
    a.check(tok.id >= 0, "id", "must be non-negative");
    a.check(!tok.content.empty(), "content", "must not be empty");
    a.done();
    tokens.push_back(tok);
    max_id = std::max(max_id, tok.id);
  }
  r.done();

  t->vocab_size_ = max_id + 1;
  t->id_bytes_.assign(t->vocab_size_, std::string());
  for (int32_t id = 0; id < t->model_.size(); ++id)
    t->id_bytes_[id] = token_bytes(t->model_.token(id));
  for (AddedToken& tok : tokens) {
    t->added_by_content_[tok.content] = tok.id;
    t->id_bytes_[tok.id] = token_bytes(tok.content);
    if (tok.normalized && !t->normalizer_.is_identity()) {
      // HF matches these in normalized text, so their content is normalized the same way.
      tok.content = t->normalizer_.apply(tok.content);
    }
    (tok.normalized ? t->normalized_added_ : t->raw_added_).add(tok);
  }

  if (!config_text.empty()) {
    std::string cwhere = where.substr(0, where.rfind('/') + 1) + kConfigFileName;
    json cfg = parse_json(config_text, cwhere);
    t->eos_id_ = t->config_token_id(cfg, "eos_token", cwhere);
    t->bos_id_ = t->config_token_id(cfg, "bos_token", cwhere);
    if (cfg.contains("chat_template") && cfg["chat_template"].is_string()) {
      const std::string& jinja = cfg["chat_template"].get_ref<const std::string&>();
      if (jinja.find("<|im_start|>") != std::string::npos) {
        t->chat_hint_ = "qwen";
      } else if (jinja.find("<\uff5cUser\uff5c>") != std::string::npos) {
        t->chat_hint_ = "deepseek";
      }
    }
  }
  return t;
}

int32_t BpeTokenizer::config_token_id(const json& cfg, const char* key,
                                      const std::string& where) const {
  if (!cfg.contains(key) || cfg[key].is_null()) return -1;
  const json& v = cfg[key];
  std::string text;
  if (v.is_string()) {
    text = v.get<std::string>();
  } else if (v.is_object() && v.contains("content") && v["content"].is_string()) {
    text = v["content"].get<std::string>();  // {"__type": "AddedToken", "content": ...}
  } else {
    fail(where, ": field '", key, "': expected a string or an AddedToken object, got ", v.dump());
  }
  int32_t id = special_id(text);
  if (id < 0) id = model_.id_of(text);
  if (id < 0)
    fail(where, ": field '", key, "': token ", json(text).dump(), " is not in the vocabulary");
  return id;
}

std::vector<int32_t> BpeTokenizer::encode(const std::string& text) const {
  std::string clean;
  std::string_view s = text;
  if (!is_valid_utf8(s)) {
    clean = sanitize_utf8(s);
    s = clean;
  }
  std::vector<int32_t> ids;
  ids.reserve(s.size() / 3 + 4);
  AddedTokenMatcher::Match m;
  size_t pos = 0;
  while (raw_added_.find(s, pos, m)) {
    encode_normalized(s.substr(pos, m.begin - pos), ids);
    ids.push_back(m.id);
    pos = m.end;
  }
  encode_normalized(s.substr(pos), ids);
  return ids;
}

void BpeTokenizer::encode_normalized(std::string_view text, std::vector<int32_t>& out) const {
  if (text.empty()) return;
  std::string normalized;
  if (!normalizer_.is_identity()) {
    normalized = normalizer_.apply(text);
    text = normalized;
  }
  AddedTokenMatcher::Match m;
  size_t pos = 0;
  while (normalized_added_.find(text, pos, m)) {
    encode_plain(text.substr(pos, m.begin - pos), out);
    out.push_back(m.id);
    pos = m.end;
  }
  encode_plain(text.substr(pos), out);
}

void BpeTokenizer::encode_plain(std::string_view text, std::vector<int32_t>& out) const {
  if (text.empty()) return;
  // Scratch buffers per thread: encode() is const and may run on several threads at once.
  thread_local ScanText scan;
  thread_local std::vector<uint32_t> cuts, scratch;
  scan.assign(text);
  pretokenizer_.split(scan, cuts, scratch);
  uint32_t begin = 0;
  for (uint32_t end : cuts) {
    uint32_t b0 = scan.offset[begin], b1 = scan.offset[end];
    model_.encode_piece(text.substr(b0, b1 - b0), out);
    begin = end;
  }
  // One huge text must not pin its buffers to the thread for good.
  if (scan.cp.capacity() > (1u << 20)) scan = ScanText();
}

std::string BpeTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string out;
  for (int32_t id : ids) {
    if (id >= 0 && id < vocab_size_) out += id_bytes_[id];
  }
  return is_valid_utf8(out) ? out : sanitize_utf8(out);
}

std::string BpeTokenizer::token_text(int32_t id) const {
  if (id < 0 || id >= vocab_size_)
    return "";  // as ByteTokenizer: nothing rather than a throw mid-stream
  return id_bytes_[id];
}

int32_t BpeTokenizer::special_id(const std::string& text) const {
  auto it = added_by_content_.find(text);
  return it == added_by_content_.end() ? -1 : it->second;
}

void BpeTokenizer::save(const std::string& dir) const {
  write_file_atomic(join_path(dir, kFileName), tokenizer_text_);
  if (!config_text_.empty()) write_file_atomic(join_path(dir, kConfigFileName), config_text_);
}

}  // namespace r1
