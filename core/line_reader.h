// Reads text lines from a stream with a cap on their length, for JSONL inputs that a user or a
// peer controls: a line over the cap is skipped to its end without being held in memory, and
// reported by its number and length, so that one huge line costs neither the memory nor the
// lines after it.
#pragma once
#include <cstddef>
#include <istream>
#include <string>

namespace r1 {

// The default cap: far above any real record, far below what would exhaust memory.
inline constexpr size_t kDefaultMaxLineBytes = size_t{16} << 20;

struct InputLine {
  size_t number = 0;    // from 1
  std::string text;     // without the '\n'; empty when too long
  size_t too_long = 0;  // the line's length in bytes when over the cap, else 0
};

class LineReader {
 public:
  LineReader(std::istream& in, size_t max_bytes) : in_(in), max_bytes_(max_bytes) {}
  // The next line; false at the end of the input. A last line without '\n' counts.
  bool next(InputLine* out);

 private:
  std::istream& in_;
  size_t max_bytes_;
  size_t number_ = 0;
};

}  // namespace r1
