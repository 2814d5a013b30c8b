// Tests of episodes: one alert per run of periods in which a rule holds, opened at its
// first period, moving on while the condition continues, ended by a judged period where it
// does not hold; the lifecycle over episodes (updates, history, supersession).
#include "common/alerts/episode.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/alerts/evaluate.h"
#include "common/alerts/lifecycle.h"
#include "common/alerts/rules.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cw::alerts {
namespace {

using domain::Period;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromCivil(absl::CivilDay(2025, 6, 1), absl::UTCTimeZone());

AlertConfig DependencyRule() {
  AlertConfig config;
  Rule r = MakeRule("dependency", RuleKind::kDependency);
  r.threshold = 0.5;
  r.subjects = {SubjectKind::kPark};
  config.rules.push_back(r);
  return config;
}

// A park whose largest enterprise's share is `shares[i]` in month 3 + i of 2024 (nullopt:
// no completeness, so not judged).
SubjectHistory Shares(const std::vector<std::optional<double>>& shares) {
  SubjectHistory h{{SubjectKind::kPark, "P1"}, {}};
  for (size_t i = 0; i < shares.size(); ++i) {
    PeriodPoint p;
    p.period = Period{2024, static_cast<int>(3 + i), false};
    p.top_firm_share = shares[i].value_or(0.9);
    if (shares[i]) p.completeness = 1.0;
    h.points.push_back(p);
  }
  return h;
}

std::vector<Episode> EpisodesOf(const SubjectHistory& h) {
  auto evals = Evaluate(DependencyRule(), h, kNow);
  EXPECT_TRUE(evals.ok()) << evals.status();
  return EpisodesByRule(*evals);
}

// Months in a row above the threshold are one episode, named after its first month, open
// with the latest month's figures.
TEST(EpisodesTest, ConsecutivePeriodsAreOneOpenEpisode) {
  const auto eps = EpisodesOf(Shares({0.4, 0.6, 0.7, 0.8}));
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].alert_id, "dependency|park:P1|2024-04");
  EXPECT_EQ(eps[0].first, (Period{2024, 4, false}));
  EXPECT_EQ(eps[0].latest, (Period{2024, 6, false}));
  EXPECT_EQ(eps[0].periods, 3);
  EXPECT_TRUE(eps[0].open());
  EXPECT_EQ(eps[0].evaluation.alert_id, "dependency|park:P1|2024-04");
  EXPECT_EQ(eps[0].evaluation.period, (Period{2024, 6, false}));
  EXPECT_EQ(eps[0].evaluation.outcome, Outcome::kHolds);
  EXPECT_THAT(eps[0].evaluation.explanation_zh, HasSubstr("最大企业占比80.0%"));
  EXPECT_THAT(eps[0].evaluation.explanation_zh,
              HasSubstr("（自2024年4月起持续3期，最近一期2024年6月）"));
  EXPECT_THAT(eps[0].evaluation.explanation_en,
              HasSubstr("(since Apr 2024, 3 periods, latest Jun 2024)"));
}

// A judged month below the threshold ends the episode; the next month above opens another.
// A month that is not judged (completeness unknown) neither ends nor extends one.
TEST(EpisodesTest, ClearEndsAndGapDoesNot) {
  const auto eps = EpisodesOf(Shares({0.6, std::nullopt, 0.7, 0.3, 0.2, 0.9}));
  ASSERT_EQ(eps.size(), 2u);
  EXPECT_EQ(eps[0].alert_id, "dependency|park:P1|2024-03");
  EXPECT_EQ(eps[0].latest, (Period{2024, 5, false}));
  EXPECT_EQ(eps[0].periods, 2);
  EXPECT_EQ(eps[0].ended, (Period{2024, 6, false}));
  EXPECT_EQ(eps[0].evaluation.outcome, Outcome::kClear);
  EXPECT_EQ(eps[0].evaluation.period, (Period{2024, 6, false}));
  EXPECT_THAT(eps[0].evaluation.explanation_zh, HasSubstr("已于2024年6月解除"));
  EXPECT_THAT(eps[0].evaluation.explanation_en, HasSubstr("Ended in Jun 2024"));
  EXPECT_EQ(eps[1].alert_id, "dependency|park:P1|2024-08");
  EXPECT_TRUE(eps[1].open());
  EXPECT_EQ(eps[1].periods, 1);
}

// Two years of monthly dependency above the threshold (the demo's case) are one alert.
TEST(EpisodesTest, TwoYearsOfOneConditionAreOneAlert) {
  SubjectHistory h{{SubjectKind::kPark, "P1"}, {}};
  for (int year : {2023, 2024}) {
    for (int m = 2; m <= 12; ++m) {
      PeriodPoint p;
      p.period = m == 2 ? Period{year, 2, true} : Period{year, m, false};
      p.top_firm_share = 0.6;
      p.completeness = 1.0;
      h.points.push_back(p);
    }
  }
  const auto eps = EpisodesOf(h);
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].alert_id, "dependency|park:P1|2023-01/02");
  EXPECT_EQ(eps[0].periods, 22);
  EXPECT_EQ(eps[0].latest, (Period{2024, 12, false}));
}

// The lifecycle over an episode: fires once (v1), a new month is an update of the same
// firing alert (v2, not a state change), re-evaluating the same figures changes nothing,
// the end resolves it (v3) with the figures that ended it.
TEST(EpisodeLifecycleTest, FiresUpdatesAndResolves) {
  auto u1 = TransitionEpisode(std::nullopt, EpisodesOf(Shares({0.6}))[0]);
  ASSERT_TRUE(u1.has_value());
  EXPECT_TRUE(u1->state_changed);
  EXPECT_EQ(u1->status.state, AlertState::kFiring);
  EXPECT_EQ(u1->status.version, 1);
  EXPECT_EQ(u1->status.periods, 1);

  auto u2 = TransitionEpisode(u1->status, EpisodesOf(Shares({0.6, 0.7}))[0]);
  ASSERT_TRUE(u2.has_value());
  EXPECT_FALSE(u2->state_changed);
  EXPECT_TRUE(u2->new_version);
  EXPECT_EQ(u2->status.state, AlertState::kFiring);
  EXPECT_EQ(u2->status.version, 2);
  EXPECT_EQ(u2->status.latest_period, (Period{2024, 4, false}));
  EXPECT_EQ(u2->status.periods, 2);
  EXPECT_THAT(u2->status.explanation_zh, HasSubstr("最大企业占比70.0%"));

  EXPECT_EQ(TransitionEpisode(u2->status, EpisodesOf(Shares({0.6, 0.7}))[0]), std::nullopt);

  auto u3 = TransitionEpisode(u2->status, EpisodesOf(Shares({0.6, 0.7, 0.1}))[0]);
  ASSERT_TRUE(u3.has_value());
  EXPECT_TRUE(u3->state_changed);
  EXPECT_EQ(u3->status.state, AlertState::kResolved);
  EXPECT_EQ(u3->status.version, 3);
  EXPECT_THAT(u3->status.explanation_zh, HasSubstr("最大企业占比10.0%"));
}

// An episode that ended before its alert was first seen (a backfill) is stored as history:
// resolved, version 1; seeing it again changes nothing.
TEST(EpisodeLifecycleTest, PastEpisodeIsHistory) {
  const Episode past = EpisodesOf(Shares({0.6, 0.7, 0.1}))[0];
  auto u = TransitionEpisode(std::nullopt, past);
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->status.state, AlertState::kResolved);
  EXPECT_EQ(u->status.version, 1);
  EXPECT_EQ(u->status.periods, 2);
  EXPECT_FALSE(u->status.notified);
  EXPECT_EQ(TransitionEpisode(u->status, past), std::nullopt);
}

// A notified alert that a revision supersedes is resolved naming its successor, and stays
// notified (its resolution is notified too).
TEST(EpisodeLifecycleTest, SupersededNamesSuccessor) {
  auto u = TransitionEpisode(std::nullopt, EpisodesOf(Shares({0.4, 0.6}))[0]);
  ASSERT_TRUE(u.has_value());
  u->status.notified = true;
  const AlertUpdate s = Superseded(u->status, "dependency|park:P1|2024-03", kNow);
  EXPECT_EQ(s.status.state, AlertState::kResolved);
  EXPECT_EQ(s.status.version, 2);
  EXPECT_TRUE(s.status.notified);
  EXPECT_TRUE(s.state_changed);
  EXPECT_THAT(s.status.explanation_en, HasSubstr("dependency|park:P1|2024-03"));
}

// The latest period judged by the clock: October 2026 on 7 December 2026 (November's
// deadline, 15 December, has not passed); November from 16 December 00:00 CST; 1-2月 in
// March and April (March's deadline is 15 April).
TEST(LatestJudgedPeriodTest, FollowsTheDeadlines) {
  const absl::TimeZone cst = absl::FixedTimeZone(8 * 3600);
  auto at = [&](int y, int m, int d, int h = 0) {
    return absl::FromCivil(absl::CivilHour(y, m, d, h), cst);
  };
  EXPECT_EQ(LatestJudgedPeriod(at(2026, 12, 7), 15), (Period{2026, 10, false}));
  EXPECT_EQ(LatestJudgedPeriod(at(2026, 12, 15, 23), 15), (Period{2026, 10, false}));
  EXPECT_EQ(LatestJudgedPeriod(at(2026, 12, 16), 15), (Period{2026, 11, false}));
  EXPECT_EQ(LatestJudgedPeriod(at(2027, 4, 10), 15), (Period{2027, 2, true}));
  EXPECT_EQ(LatestJudgedPeriod(at(2027, 3, 10), 15), (Period{2026, 12, false}));
}

}  // namespace
}  // namespace cw::alerts
