// Tests of clusterctl's push outcome: one exit status per outcome, and the summary line.
#include "cli/exit_codes.h"

#include "gtest/gtest.h"

namespace cw::cli {
namespace {

// Every line accepted: 0, and the summary says so.
TEST(PushTallyTest, AllAcceptedIsZero) {
  PushTally t;
  t.Answered(10, 0);
  t.Answered(5, 0);
  EXPECT_EQ(t.Exit(), kExitOk);
  EXPECT_EQ(t.Summary(), "clusterctl push: 2 files answered, 15 lines accepted, 0 refused: exit 0");
}

// Refused lines in an answered push: 3, with how many and in how many files.
TEST(PushTallyTest, RefusedLinesAreThree) {
  PushTally t;
  t.Answered(10, 2);
  t.Answered(5, 0);
  t.Answered(0, 1);
  EXPECT_EQ(t.Exit(), kExitRefused);
  EXPECT_EQ(t.Summary(),
            "clusterctl push: 3 files answered, 15 lines accepted, 3 refused (in 2 files): exit 3");
}

// A file not pushed at all outweighs refused lines: 1.
TEST(PushTallyTest, FailedFileIsOne) {
  PushTally t;
  t.Answered(1, 1);
  t.Failed();
  EXPECT_EQ(t.Exit(), kExitError);
  EXPECT_EQ(t.Summary(),
            "clusterctl push: 1 file answered, 1 lines accepted, 1 refused (in 1 file); 1 file "
            "not pushed: exit 1");
}

// The catalogue's values are fixed: scripts depend on them.
TEST(ExitCodeTest, Values) {
  EXPECT_EQ(kExitOk, 0);
  EXPECT_EQ(kExitError, 1);
  EXPECT_EQ(kExitUsage, 2);
  EXPECT_EQ(kExitRefused, 3);
  EXPECT_EQ(kExitNotFound, 4);
}

}  // namespace
}  // namespace cw::cli
