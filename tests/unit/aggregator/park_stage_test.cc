// Tests of the park stage alone: contributions are upserts (a replay changes nothing), an
// empty contribution retracts an enterprise, a silent replay produces nothing, and one
// snapshot per changed park-period is produced at the end of the transaction.
#include "aggregator/park_stage.h"

#include "aggregator/enterprise_stage.h"
#include "clusterwatch/v1/metrics.pb.h"
#include "clusterwatch/v1/state.pb.h"
#include "common/store/memory_store.h"
#include "gtest/gtest.h"

namespace cw::aggregator {
namespace {
namespace pb = clusterwatch::v1;

constexpr char kUsccA[] = "91110000600037341L";
constexpr char kUsccB[] = "91310115MA1K3BTP2B";

class ParkStageTest : public ::testing::Test {
 protected:
  ParkStageTest() : metrics_(registry_), stage_(topics_, clock_, metrics_) {}

  // An output contribution of `uscc` to P1 in 2024-03 (gross 0 and no reporter: a retraction).
  kafka::Message Contribution(const std::string& uscc, int64_t gross_fen) {
    pb::ContributionUpdate u;
    auto& c = *u.mutable_contribution();
    c.set_park_id("P1");
    c.set_uscc(uscc);
    if (gross_fen > 0) {
      c.set_industry("3041");
      for (auto* t : {c.mutable_month(), c.mutable_year_to_date()}) {
        t->mutable_gross_output()->set_fen(gross_fen);
        t->set_output_reporters(1);
        t->set_employees(5);
      }
    }
    u.set_period("2024-03");
    u.set_output(true);
    return {topics_.contributions, 2, next_offset_++,
            ContributionKey("P1", "2024-03", uscc, true), u.SerializeAsString(), 0};
  }
  // Applies `messages` in one transaction and commits; returns the snapshots produced.
  std::vector<pb::ParkSnapshot> Transaction(const std::vector<kafka::Message>& messages,
                                            bool emit = true) {
    store::StagedStore state(store_);
    std::vector<kafka::OutRecord> out;
    EXPECT_TRUE(stage_.Apply(messages, emit, state, out).ok());
    EXPECT_TRUE(stage_.Flush(state, out).ok());
    EXPECT_TRUE(state.Commit().ok());
    std::vector<pb::ParkSnapshot> snaps;
    for (const auto& r : out) {
      EXPECT_EQ(r.topic, topics_.park_metrics);
      EXPECT_EQ(r.key, "P1|2024-03");
      EXPECT_TRUE(snaps.emplace_back().ParseFromString(r.value));
    }
    return snaps;
  }

  kafka::Topics topics_;
  store::MemoryStore store_;
  obs::FakeClock clock_;
  prometheus::Registry registry_;
  ParkStageMetrics metrics_;
  ParkStage stage_;
  int64_t next_offset_ = 10;
};

// Two enterprises are summed into one snapshot per transaction; the same contributions again
// (a replay or a redelivery) change nothing and produce no snapshot.
TEST_F(ParkStageTest, ReplayedContributionsChangeNothing) {
  auto snaps = Transaction({Contribution(kUsccA, 100), Contribution(kUsccB, 50)});
  ASSERT_EQ(snaps.size(), 1u);
  EXPECT_EQ(snaps[0].month().gross_output().fen(), 150);
  EXPECT_EQ(snaps[0].month().output_reporters(), 2);
  EXPECT_EQ(snaps[0].firms_size(), 2);
  EXPECT_TRUE(Transaction({Contribution(kUsccA, 100), Contribution(kUsccB, 50)}).empty());
  // A changed figure replaces the enterprise's previous one.
  snaps = Transaction({Contribution(kUsccA, 70)});
  ASSERT_EQ(snaps.size(), 1u);
  EXPECT_EQ(snaps[0].month().gross_output().fen(), 120);
  EXPECT_EQ(snaps[0].month().output_reporters(), 2);
}

// An empty contribution retracts the enterprise: its figures, its reporter count, its firm
// entry and its stored contribution go.
TEST_F(ParkStageTest, EmptyContributionRetractsTheEnterprise) {
  Transaction({Contribution(kUsccA, 100), Contribution(kUsccB, 50)});
  auto snaps = Transaction({Contribution(kUsccA, 0)});
  ASSERT_EQ(snaps.size(), 1u);
  EXPECT_EQ(snaps[0].month().gross_output().fen(), 50);
  EXPECT_EQ(snaps[0].month().output_reporters(), 1);
  ASSERT_EQ(snaps[0].firms_size(), 1);
  EXPECT_EQ(snaps[0].firms(0).uscc(), kUsccB);
  auto stored = store_.Get(std::string("c|P1|2024-03|") + kUsccA + "|o");
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->has_value());
  // Retracting what is not there changes nothing.
  EXPECT_TRUE(Transaction({Contribution(kUsccA, 0)}).empty());
}

// A silent replay (what an earlier owner already published) builds the state and produces
// nothing; the next emitting change publishes the whole park-period.
TEST_F(ParkStageTest, SilentReplayBuildsStateOnly) {
  EXPECT_TRUE(Transaction({Contribution(kUsccA, 100)}, /*emit=*/false).empty());
  auto snaps = Transaction({Contribution(kUsccB, 50)});
  ASSERT_EQ(snaps.size(), 1u);
  EXPECT_EQ(snaps[0].month().gross_output().fen(), 150);
  EXPECT_EQ(snaps[0].source_offset(), 11);  // the highest contributions offset applied
}

}  // namespace
}  // namespace cw::aggregator
