// Command-line flags for one subcommand. Every subcommand declares its flags, gets --help for
// free, and rejects unknown or malformed flags with a message naming the flag.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace r1 {

class Args {
 public:
  Args(std::string command, std::string summary);

  // A boolean switch: present or absent.
  Args& flag(const std::string& name, const std::string& help);
  // A flag with a value, optional (with a default shown in --help) or required.
  Args& opt(const std::string& name, const std::string& metavar, const std::string& help,
            std::optional<std::string> fallback = std::nullopt);
  Args& required(const std::string& name, const std::string& metavar, const std::string& help);
  // Positional arguments, in order.
  Args& positional(const std::string& name, const std::string& help, bool is_required = true);
  // Extra text at the end of --help (examples).
  Args& epilog(const std::string& text);

  // Returns false when --help was printed (exit 0). Throws r1::Error on bad input.
  bool parse(int argc, char** argv);

  bool on(const std::string& name) const;   // a switch
  bool has(const std::string& name) const;  // a value flag given or defaulted
  std::string str(const std::string& name) const;
  // The comma-separated items of a value flag, in order; empty items are kept ("a,,b" gives 3).
  std::vector<std::string> list(const std::string& name) const;
  int64_t integer(const std::string& name) const;
  // An integer flag in [min, INT_MAX] (a count, a size): a value beyond an int is an error naming
  // the flag, not a wrapped number.
  int count(const std::string& name, int64_t min = 1) const;
  double number(const std::string& name) const;
  // A seed flag: an integer >= 0 (a negative one would wrap to a huge seed).
  uint64_t seed(const std::string& name = "seed") const;
  std::string usage() const;

 private:
  struct Spec {
    std::string name, metavar, help;
    bool is_switch = false, is_required = false, is_positional = false;
    std::optional<std::string> fallback;
  };
  const Spec* find(const std::string& name) const;
  std::string command_, summary_, epilog_;
  std::vector<Spec> specs_;
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> switches_;
};

// Strict number parsing; `what` names the flag or field in the error.
int64_t parse_int(const std::string& text, const std::string& what);
double parse_double(const std::string& text, const std::string& what);

}  // namespace r1
