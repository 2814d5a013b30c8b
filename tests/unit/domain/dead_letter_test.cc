// Dead letters are always readable: a reason with bytes that are not UTF-8 is escaped.
#include "common/domain/dead_letter.h"

#include "gtest/gtest.h"

namespace cw::domain {
namespace {

TEST(DeadLetterTest, KeepsAValidReasonAndTheRawBytes) {
  const std::string raw("\xff\x00poison", 8);
  auto rej = DeadLetter("aggregator", "uscc: check character '年' is wrong", "cw.reports.v1", 2,
                        42, raw);
  EXPECT_EQ(rej.reason(), "uscc: check character '年' is wrong");
  EXPECT_EQ(rej.raw(), raw);
  EXPECT_EQ(DeadLetterKey("cw.reports.v1", 2, 42), "cw.reports.v1|2|42");
  clusterwatch::v1::RejectedRecord back;
  ASSERT_TRUE(back.ParseFromString(rej.SerializeAsString()));
  EXPECT_EQ(back.reason(), rej.reason());
}

// Found by fuzz_report_decoder: a reason quoting one byte of a multi-byte character could
// not be parsed back from the rejected topic.
TEST(DeadLetterTest, EscapesAReasonThatIsNotUtf8) {
  auto rej = DeadLetter("aggregator", "uscc: 年 then \xe5\xb9 then \xff, not a code",
                        "cw.reports.v1", 0, 7, "x");
  EXPECT_EQ(rej.reason(), "uscc: 年 then \\xe5\\xb9 then \\xff, not a code");
  clusterwatch::v1::RejectedRecord back;
  ASSERT_TRUE(back.ParseFromString(rej.SerializeAsString()));
  EXPECT_EQ(back.reason(), rej.reason());
}

}  // namespace
}  // namespace cw::domain
