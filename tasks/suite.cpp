#include "tasks/suite.h"

#include <charconv>
#include <limits>
#include <regex>

#include "core/error.h"
#include "tasks/datasets.h"
#include "tasks/generator.h"

namespace r1 {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) return out;
    start = p + 1;
  }
}

std::string known_suites() {
  std::string s = "generated families: ";
  auto fams = generator_names();
  for (size_t i = 0; i < fams.size(); ++i) s += (i ? ", " : "") + fams[i];
  s += "; dataset formats: ";
  auto fmts = dataset_formats();
  for (size_t i = 0; i < fmts.size(); ++i) s += (i ? ", " : "") + fmts[i];
  return s;
}

uint64_t parse_number(const std::string& suite, const std::string& key, const std::string& value,
                      uint64_t max = std::numeric_limits<uint64_t>::max()) {
  if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
    fail("suite '", suite, "': ", key, "=", value, " is not a non-negative integer");
  }
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size() || v > max) {
    fail("suite '", suite, "': ", key, "=", value, " is out of range (at most ", max, ")");
  }
  return v;
}

// An option's value: a number or true/false as JSON, a+b+c as a list of texts, else text.
json option_value(const std::string& v) {
  if (v.find('+') != std::string::npos) {
    json list = json::array();
    for (const auto& part : split(v, '+')) list.push_back(part);
    return list;
  }
  json parsed = json::parse(v, nullptr, false);
  if (!parsed.is_discarded() && (parsed.is_number() || parsed.is_boolean())) return parsed;
  return v;
}

}  // namespace

std::vector<SuiteSpec> parse_suites(const std::string& spec) {
  std::vector<SuiteSpec> suites;
  for (const std::string& text : split(spec, ',')) {
    if (text.empty()) fail("empty suite in '", spec, "'");
    SuiteSpec s;
    s.text = text;
    std::vector<std::string> parts = split(text, ':');
    const std::string& name = parts[0];
    if (has_generator(name)) {
      s.family = name;
      s.n = 100;
      for (size_t i = 1; i < parts.size(); ++i) {
        size_t eq = parts[i].find('=');
        if (eq == std::string::npos)
          fail("suite '", text, "': expected key=value, got '", parts[i],
               "' (keys: level, n, seed, opt.NAME)");
        std::string key = parts[i].substr(0, eq), value = parts[i].substr(eq + 1);
        if (key == "level" || key == "difficulty")
          s.level =
              static_cast<int>(parse_number(text, key, value, std::numeric_limits<int>::max()));
        else if (key == "n")
          s.n = parse_number(text, key, value);
        else if (key == "seed")
          s.seed = parse_number(text, key, value);
        else if (key.rfind("opt.", 0) == 0 && key.size() > 4)
          s.options[key.substr(4)] = option_value(value);
        else
          fail("suite '", text, "': unknown key '", key, "' (keys: level, n, seed, opt.NAME)");
      }
      check_difficulty(*make_generator(s.family, s.options, cat("suite '", text, "'")),
                       s.level == 0 ? 1 : s.level);
      if (s.n == 0) fail("suite '", text, "': n must be positive");
    } else if (is_dataset_format(name)) {
      s.dataset = name;
      // FORMAT:PATH[:n=N] — the path may itself hold ':' characters.
      std::string rest = text.substr(name.size() + 1 > text.size() ? text.size() : name.size() + 1);
      std::smatch m;
      static const std::regex tail(":n=([0-9]+)$");
      if (std::regex_search(rest, m, tail)) {
        s.n = parse_number(text, "n", m[1].str());
        rest = rest.substr(0, rest.size() - m[0].length());
      }
      if (rest.empty()) fail("suite '", text, "': give the dataset file, as ", name, ":PATH");
      s.path = rest;
    } else {
      fail("unknown suite '", name, "' in '", text, "' (", known_suites(), ")");
    }
    // The same suite twice would be evaluated twice and reported once.
    for (const SuiteSpec& other : suites)
      if (other.text == text) fail("suite '", text, "' is given twice in '", spec, "'");
    suites.push_back(std::move(s));
  }
  return suites;
}

std::vector<Task> load_suite(const SuiteSpec& s) {
  if (!s.family.empty()) {
    if (s.options.empty()) return generate_tasks(s.family, s.n, s.seed, s.level);
    auto gen = make_generator(s.family, s.options, cat("suite '", s.text, "'"));
    std::vector<Task> out;
    for (size_t i = 0; i < s.n; ++i) out.push_back(generate_task(*gen, s.seed, i, s.level));
    return out;
  }
  std::vector<Task> tasks = read_dataset(s.dataset, s.path);
  if (s.n > 0 && s.n < tasks.size()) tasks.resize(s.n);
  return tasks;
}

std::optional<std::string> suites_problem(const std::string& spec) {
  if (spec.empty()) return std::nullopt;
  try {
    parse_suites(spec);
  } catch (const Error& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

}  // namespace r1
