// LineReader: numbered lines with a cap on their length; an over-long line is skipped to its
// end (never held), reported by number and length, and the next line reads as usual.
#include <gtest/gtest.h>

#include <sstream>

#include "core/line_reader.h"

namespace r1 {
namespace {

TEST(LineReader, CapsLinesAndKeepsCounting) {
  std::istringstream in("short\n" + std::string(25, 'x') + "\n\nexactly10c\nlast without newline");
  LineReader reader(in, 10);
  InputLine line;
  ASSERT_TRUE(reader.next(&line));
  EXPECT_EQ(line.number, 1u);
  EXPECT_EQ(line.text, "short");
  EXPECT_EQ(line.too_long, 0u);
  ASSERT_TRUE(reader.next(&line));
  EXPECT_EQ(line.number, 2u);
  EXPECT_EQ(line.too_long, 25u);
  EXPECT_TRUE(line.text.empty());
  ASSERT_TRUE(reader.next(&line));
  EXPECT_EQ(line.number, 3u);
  EXPECT_EQ(line.text, "");
  ASSERT_TRUE(reader.next(&line));
  EXPECT_EQ(line.text, "exactly10c");
  EXPECT_EQ(line.too_long, 0u);
  ASSERT_TRUE(reader.next(&line));
  EXPECT_EQ(line.number, 5u);
  EXPECT_EQ(line.too_long, 20u) << "a last line without a newline counts";
  EXPECT_FALSE(reader.next(&line));
  std::istringstream empty("");
  LineReader none(empty, 10);
  EXPECT_FALSE(none.next(&line));
}

}  // namespace
}  // namespace r1
