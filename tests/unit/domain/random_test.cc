// Tests of the generators' deterministic randomness (common/domain/random.h).
#include "common/domain/random.h"

#include "gtest/gtest.h"

namespace cw::domain {
namespace {

// exp(x/1000) in millionths: the table's points exactly, linear in between, clipped to ±4.
TEST(RandomTest, ExpPpm) {
  EXPECT_EQ(ExpPpm(0), 1'000'000);
  EXPECT_EQ(ExpPpm(1000), 2'718'282);
  EXPECT_EQ(ExpPpm(-1000), 367'879);
  EXPECT_EQ(ExpPpm(50), (1'000'000 + 1'105'171) / 2);
  EXPECT_EQ(ExpPpm(4000), 54'598'150);
  EXPECT_EQ(ExpPpm(9000), 54'598'150);
  EXPECT_EQ(ExpPpm(-9000), 18'316);
}

// The same seed gives the same draws; NormalMilli stays within its limit and is centred.
TEST(RandomTest, NormalMilliIsDeterministicBoundedAndCentred) {
  Rng a(7), b(7);
  int64_t sum = 0;
  for (int i = 0; i < 20'000; ++i) {
    const int64_t x = a.NormalMilli(10'000, 3000);
    ASSERT_EQ(x, b.NormalMilli(10'000, 3000));
    ASSERT_GE(x, -3000);
    ASSERT_LE(x, 3000);
    sum += x;
  }
  EXPECT_LT(std::abs(sum / 20'000), 30);  // mean 0 within 0.03 (its sd is ~0.007)
  Rng c(1);
  for (int i = 0; i < 1000; ++i) {
    const int64_t x = c.NormalMilli(1000, 100);
    ASSERT_GE(x, -100);
    ASSERT_LE(x, 100);
  }
}

}  // namespace
}  // namespace cw::domain
