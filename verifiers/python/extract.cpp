#include "verifiers/python/extract.h"

#include <vector>

namespace r1 {

namespace {

struct Fence {
  std::string info;  // the word after ``` (python, py, ...), lower-cased
  std::string content;
};

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Drops blank lines at the start (keeping the first code line's indentation, which matters
// for a function body) and whitespace at the end.
std::string strip_code(const std::string& s) {
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n') {
      start = i + 1;
    } else if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
      break;
    }
  }
  size_t end = s.find_last_not_of(" \t\r\n");
  if (end == std::string::npos || end < start) return "";
  return s.substr(start, end - start + 1);
}

// ``` blocks in order. An unclosed last block runs to the end of the text (a completion cut
// off by the token limit).
std::vector<Fence> fences(const std::string& text) {
  std::vector<Fence> out;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("```", pos);
    if (open == std::string::npos) break;
    size_t eol = text.find('\n', open + 3);
    if (eol == std::string::npos) break;
    Fence f;
    f.info = lower(trim(text.substr(open + 3, eol - open - 3)));
    size_t close = text.find("```", eol + 1);
    f.content =
        text.substr(eol + 1, close == std::string::npos ? std::string::npos : close - eol - 1);
    out.push_back(std::move(f));
    if (close == std::string::npos) break;
    pos = close + 3;
  }
  return out;
}

bool is_python_info(const std::string& info) {
  return info.empty() || info == "python" || info == "py" || info == "python3";
}

// The last python-looking fenced block, if any.
std::optional<std::string> last_python_fence(const std::string& text) {
  std::vector<Fence> fs = fences(text);
  for (auto it = fs.rbegin(); it != fs.rend(); ++it) {
    if (is_python_info(it->info)) return it->content;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ExtractedCode> extract_python_code(const std::string& completion, bool raw_fallback) {
  size_t open = completion.rfind("<answer>");
  if (open != std::string::npos) {
    size_t start = open + 8;
    size_t close = completion.find("</answer>", start);
    if (close != std::string::npos) {
      std::string inner = completion.substr(start, close - start);
      std::string code = inner.find("```") != std::string::npos
                             ? strip_code(last_python_fence(inner).value_or(""))
                             : strip_code(inner);
      if (code.empty()) return std::nullopt;
      return ExtractedCode{code, "answer"};
    }
  }
  if (auto fenced = last_python_fence(completion)) {
    std::string code = strip_code(*fenced);
    if (code.empty()) return std::nullopt;
    return ExtractedCode{code, "fence"};
  }
  // Text with our tags but no usable answer is not code.
  if (!raw_fallback || completion.find("<think>") != std::string::npos ||
      completion.find("<answer>") != std::string::npos) {
    return std::nullopt;
  }
  std::string code = strip_code(completion);
  if (code.empty()) return std::nullopt;
  return ExtractedCode{code, "raw"};
}

bool defines_name(const std::string& code, const std::string& name) {
  if (name.empty()) return false;
  auto ident = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  // After `keyword` at the start of a line: optional spaces, the name, then what may follow it.
  auto matches = [&](const std::string& line, const std::string& keyword,
                     const std::string& next_chars) {
    if (line.compare(0, keyword.size(), keyword) != 0) return false;
    size_t i = line.find_first_not_of(' ', keyword.size());
    if (i == std::string::npos || line.compare(i, name.size(), name) != 0) return false;
    if (keyword.empty() && i != 0) return false;  // an indented assignment is not module level
    size_t after = i + name.size();
    if (after < line.size() && ident(line[after])) return false;
    size_t j = line.find_first_not_of(' ', after);
    if (j == std::string::npos) return false;
    if (line[j] == '=' && j + 1 < line.size() && line[j + 1] == '=') return false;  // `x == y`
    return next_chars.find(line[j]) != std::string::npos;
  };
  size_t pos = 0;
  while (pos < code.size()) {
    size_t eol = code.find('\n', pos);
    std::string line = code.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    if (matches(line, "def ", "(") || matches(line, "async def ", "(") ||
        matches(line, "class ", "(:") || matches(line, "", "=:")) {
      return true;
    }
    if (eol == std::string::npos) break;
    pos = eol + 1;
  }
  return false;
}

}  // namespace r1
