#include "core/line_reader.h"

namespace r1 {

bool LineReader::next(InputLine* out) {
  out->text.clear();
  out->too_long = 0;
  size_t length = 0;
  bool any = false;
  std::streambuf* buf = in_.rdbuf();
  for (;;) {
    const int c = buf->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in_.setstate(std::ios::eofbit);
      if (!any) return false;
      break;
    }
    any = true;
    if (c == '\n') break;
    ++length;
    if (length <= max_bytes_) out->text.push_back(static_cast<char>(c));
  }
  out->number = ++number_;
  if (length > max_bytes_) {
    out->text.clear();
    out->text.shrink_to_fit();
    out->too_long = length;
  }
  return true;
}

}  // namespace r1
