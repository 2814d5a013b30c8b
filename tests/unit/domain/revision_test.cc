#include "common/domain/revision.h"

#include "gtest/gtest.h"

namespace cw::domain {
namespace {

// Every row of the rule in revision.h.
TEST(RevisionTest, JudgesEveryCaseOfTheRule) {
  const ReportIdentity accepted{2, "sub-a", 1000};
  EXPECT_EQ(JudgeRevision(nullptr, {1, "sub-a", 1}), RevisionOutcome::kApply);
  EXPECT_EQ(JudgeRevision(&accepted, {3, "sub-a", 1}), RevisionOutcome::kApply);
  EXPECT_EQ(JudgeRevision(&accepted, {1, "sub-b", 9999}), RevisionOutcome::kStale);
  EXPECT_EQ(JudgeRevision(&accepted, {2, "sub-a", 9999}), RevisionOutcome::kDuplicate);
  EXPECT_EQ(JudgeRevision(&accepted, {2, "sub-b", 1001}), RevisionOutcome::kApply);
  EXPECT_EQ(JudgeRevision(&accepted, {2, "sub-b", 1000}), RevisionOutcome::kStale);
  EXPECT_EQ(JudgeRevision(&accepted, {2, "sub-b", 999}), RevisionOutcome::kStale);
}

}  // namespace
}  // namespace cw::domain
