// Tests of the per-caller rate limiter on a steady clock.
#include "common/security/rate_limiter.h"

#include "gtest/gtest.h"

namespace cw::security {
namespace {

// A new key has a full bucket; then tokens come back at the rate, never above the burst.
TEST(RateLimiterTest, BurstThenSustainedRate) {
  obs::FakeSteadyClock clock;
  RateLimiter limiter(/*rate=*/2, /*burst=*/3, clock);
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));
  clock.Advance(absl::Milliseconds(499));
  EXPECT_FALSE(limiter.Allow("a"));  // 0.998 tokens
  clock.Advance(absl::Milliseconds(1));
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));
  clock.Advance(absl::Hours(1));  // refills to the burst, not beyond
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));
}

// Keys have their own buckets; rate 0 admits everything.
TEST(RateLimiterTest, KeysAreIndependentAndZeroIsUnlimited) {
  obs::FakeSteadyClock clock;
  RateLimiter limiter(1, 1, clock);
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("b"));
  RateLimiter unlimited(0, 1, clock);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(unlimited.Allow("a"));
}

}  // namespace
}  // namespace cw::security
