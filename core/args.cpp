#include "core/args.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "core/error.h"

namespace r1 {

int64_t parse_int(const std::string& text, const std::string& what) {
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE) {
    fail(what, ": expected an integer, got '", text, "'");
  }
  return v;
}

double parse_double(const std::string& text, const std::string& what) {
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v)) {
    fail(what, ": expected a number, got '", text, "'");
  }
  return v;
}

Args::Args(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {}

Args& Args::flag(const std::string& name, const std::string& help) {
  specs_.push_back({name, "", help, true, false, false, std::nullopt});
  return *this;
}

Args& Args::opt(const std::string& name, const std::string& metavar, const std::string& help,
                std::optional<std::string> fallback) {
  specs_.push_back({name, metavar, help, false, false, false, std::move(fallback)});
  return *this;
}

Args& Args::required(const std::string& name, const std::string& metavar, const std::string& help) {
  specs_.push_back({name, metavar, help, false, true, false, std::nullopt});
  return *this;
}

Args& Args::positional(const std::string& name, const std::string& help, bool is_required) {
  specs_.push_back({name, name, help, false, is_required, true, std::nullopt});
  return *this;
}

Args& Args::epilog(const std::string& text) {
  epilog_ = text;
  return *this;
}

const Args::Spec* Args::find(const std::string& name) const {
  for (const auto& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string Args::usage() const {
  std::string u = "usage: r1 " + command_;
  for (const auto& s : specs_) {
    if (s.is_positional) u += s.is_required ? " " + s.name : " [" + s.name + "]";
  }
  u += " [flags]\n\n" + summary_ + "\n";
  std::string pos, flags;
  for (const auto& s : specs_) {
    std::string left =
        s.is_positional ? s.name : "--" + s.name + (s.is_switch ? "" : " " + s.metavar);
    std::string line = "  " + left;
    if (line.size() < 30)
      line += std::string(30 - line.size(), ' ');
    else
      line += "\n" + std::string(30, ' ');
    line += s.help;
    if (s.is_required && !s.is_positional) line += " (required)";
    if (s.fallback && !s.fallback->empty()) line += " [default: " + *s.fallback + "]";
    (s.is_positional ? pos : flags) += line + "\n";
  }
  if (!pos.empty()) u += "\narguments:\n" + pos;
  u += "\nflags:\n" + flags + "  --help                      show this help\n";
  if (!epilog_.empty()) u += "\n" + epilog_ + "\n";
  return u;
}

bool Args::parse(int argc, char** argv) {
  size_t next_positional = 0;
  std::vector<const Spec*> positionals;
  for (const auto& s : specs_) {
    if (s.is_positional) positionals.push_back(&s);
  }
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(usage().c_str(), stdout);
      return false;
    }
    if (a.rfind("--", 0) == 0 && a.size() > 2) {
      std::string name = a.substr(2), value;
      bool has_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      const Spec* s = find(name);
      if (!s || s->is_positional) fail("unknown flag --", name, " (see r1 ", command_, " --help)");
      if (s->is_switch) {
        if (has_value) fail("--", name, " takes no value");
        switches_[name] = true;
        continue;
      }
      if (!has_value) {
        if (i + 1 >= argc) fail("--", name, " needs a value (", s->metavar, ")");
        value = argv[++i];
      }
      values_[name] = value;
      continue;
    }
    if (next_positional >= positionals.size()) fail("unexpected argument '", a, "'");
    values_[positionals[next_positional++]->name] = a;
  }
  for (const auto& s : specs_) {
    if (s.is_required && !values_.count(s.name)) {
      fail("missing ", s.is_positional ? s.name : "--" + s.name, " (see r1 ", command_, " --help)");
    }
  }
  return true;
}

bool Args::on(const std::string& name) const {
  auto it = switches_.find(name);
  return it != switches_.end() && it->second;
}

bool Args::has(const std::string& name) const {
  if (values_.count(name)) return true;
  const Spec* s = find(name);
  return s && s->fallback.has_value();
}

std::string Args::str(const std::string& name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  const Spec* s = find(name);
  R1_CHECK(s, "undeclared flag ", name);
  if (s->fallback) return *s->fallback;
  fail("missing --", name);
}

std::vector<std::string> Args::list(const std::string& name) const {
  const std::string all = str(name);
  std::vector<std::string> items;
  for (size_t at = 0;;) {
    const size_t comma = all.find(',', at);
    items.push_back(all.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
    if (comma == std::string::npos) return items;
    at = comma + 1;
  }
}

int64_t Args::integer(const std::string& name) const {
  return parse_int(str(name), "--" + name);
}
uint64_t Args::seed(const std::string& name) const {
  const int64_t v = integer(name);
  if (v < 0) fail("--", name, " must be an integer >= 0, got ", str(name));
  return static_cast<uint64_t>(v);
}
int Args::count(const std::string& name, int64_t min) const {
  const int64_t v = integer(name);
  if (v < min || v > std::numeric_limits<int>::max()) {
    fail("--", name, " must be an integer in [", min, ", ", std::numeric_limits<int>::max(),
         "], got ", str(name));
  }
  return static_cast<int>(v);
}

double Args::number(const std::string& name) const {
  return parse_double(str(name), "--" + name);
}

}  // namespace r1
