// Tests of when a refused Kafka login stops being retried (login_watch.h).
#include "common/kafka/login_watch.h"

#include "gtest/gtest.h"

namespace cw::kafka {
namespace {

const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);

TEST(LoginWatchTest, NoRefusalNoDeadline) {
  LoginWatch w(absl::Seconds(30));
  EXPECT_EQ(w.Deadline(), absl::InfiniteFuture());
  EXPECT_FALSE(w.Decide(t0, false));
  EXPECT_EQ(w.RefusingFor(t0), absl::ZeroDuration());
}

// One refusal is enough (librdkafka suppresses the identical ones after it): a failed probe
// at the end of the period gives up.
TEST(LoginWatchTest, GivesUpWhenTheProbeFailsAfterARefusal) {
  LoginWatch w(absl::Seconds(30));
  w.Refused(t0);
  w.Refused(t0 + absl::Seconds(5));  // a later refusal does not move the period
  EXPECT_EQ(w.Deadline(), t0 + absl::Seconds(30));
  EXPECT_EQ(w.RefusingFor(t0 + absl::Seconds(30)), absl::Seconds(30));
  w.OtherError();  // e.g. "all brokers down", which follows a refusal ...
  w.Refused(t0 + absl::Seconds(12));  // ... and the refusal again
  EXPECT_TRUE(w.Decide(t0 + absl::Seconds(30), false));
}

TEST(LoginWatchTest, ASucceedingProbeClearsTheWatch) {
  LoginWatch w(absl::Seconds(30));
  w.Refused(t0);
  EXPECT_FALSE(w.Decide(t0 + absl::Seconds(30), true));
  EXPECT_EQ(w.Deadline(), absl::InfiniteFuture());
  w.Refused(t0 + absl::Seconds(100));  // a new refusal starts a new period
  EXPECT_EQ(w.Deadline(), t0 + absl::Seconds(130));
}

TEST(LoginWatchTest, DataReadOrDeliveredClearsTheWatch) {
  LoginWatch w(absl::Seconds(30));
  w.Refused(t0);
  w.Succeeded();
  EXPECT_EQ(w.Deadline(), absl::InfiniteFuture());
  EXPECT_FALSE(w.Decide(t0 + absl::Seconds(30), false));
}

// The last error was not a refusal (the broker went away after refusing once): no
// configuration error is proven, so a new period starts instead of giving up.
TEST(LoginWatchTest, AnotherErrorLastWaitsAnotherPeriod) {
  LoginWatch w(absl::Seconds(30));
  w.Refused(t0);
  w.OtherError();
  EXPECT_FALSE(w.Decide(t0 + absl::Seconds(30), false));
  EXPECT_EQ(w.Deadline(), t0 + absl::Seconds(60));
  w.Refused(t0 + absl::Seconds(45));
  EXPECT_TRUE(w.Decide(t0 + absl::Seconds(60), false));
}

TEST(LoginWatchTest, ZeroNeverGivesUp) {
  LoginWatch w(absl::ZeroDuration());
  w.Refused(t0);
  EXPECT_EQ(w.Deadline(), absl::InfiniteFuture());
  EXPECT_FALSE(w.Decide(t0 + absl::Hours(1), false));
}

}  // namespace
}  // namespace cw::kafka
