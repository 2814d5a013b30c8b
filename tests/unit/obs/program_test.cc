// Tests of the command-line check every program runs before Abseil parses its flags, and of
// the --help layout.
#include "common/obs/program.h"

#include <map>

#include "gtest/gtest.h"

namespace cw::obs {
namespace {

using Action = ArgsVerdict::Action;

// A flag table: "count" (int), "name" (string), "verbose" (bool).
std::optional<FlagSpec> Lookup(std::string_view name) {
  if (name == "verbose") return FlagSpec{true, nullptr};
  if (name == "name") return FlagSpec{false, nullptr};
  if (name == "count") {
    return FlagSpec{false, [](std::string_view v, std::string* error) {
                      if (!v.empty() && v.find_first_not_of("0123456789") == v.npos) return true;
                      *error = "expected an integer";
                      return false;
                    }};
  }
  return std::nullopt;
}

ArgsVerdict Check(std::vector<std::string> args) { return CheckArgs(args, Lookup); }

// Known flags in every spelling Abseil accepts, and positional arguments, parse.
TEST(CheckArgsTest, AcceptsWhatAbseilParses) {
  EXPECT_EQ(Check({"push", "--count=3", "-name=x", "--name", "y", "--verbose", "--noverbose",
                   "--verbose=false", "file.csv", "--", "--not-a-flag"})
                .action,
            Action::kParse);
}

// An unknown flag is a usage error naming the argument as given.
TEST(CheckArgsTest, UnknownFlagIsAUsageError) {
  auto v = Check({"report", "--parkk=P1"});
  EXPECT_EQ(v.action, Action::kUsageError);
  EXPECT_EQ(v.error, "unknown flag '--parkk=P1'");
}

// "--noNAME" only negates a boolean, and takes no value.
TEST(CheckArgsTest, NegationOnlyForBooleans) {
  EXPECT_EQ(Check({"--noname"}).error, "unknown flag '--noname'");
  EXPECT_EQ(Check({"--noverbose=1"}).error, "--noverbose takes no value (got '--noverbose=1')");
}

// A non-boolean flag at the end without its value, or with one of the wrong type.
TEST(CheckArgsTest, MissingOrBadValue) {
  EXPECT_EQ(Check({"--name"}).error, "flag --name needs a value (--name=VALUE)");
  EXPECT_EQ(Check({"--count=many"}).error, "bad value 'many' for --count: expected an integer");
  EXPECT_EQ(Check({"--count", "7x"}).error, "bad value '7x' for --count: expected an integer");
}

// Help wins over an error before it and over --version; --version over a bad flag.
TEST(CheckArgsTest, HelpAndVersionDecideFirst) {
  EXPECT_EQ(Check({"--bogus", "--help"}).action, Action::kHelp);
  EXPECT_EQ(Check({"--version", "-helpshort"}).action, Action::kHelp);
  EXPECT_EQ(Check({"--helpfull"}).action, Action::kHelpFull);
  EXPECT_EQ(Check({"--bogus", "--version"}).action, Action::kVersion);
}

// Flags read from elsewhere cannot be checked here: left to Abseil.
TEST(CheckArgsTest, FlagfileIsLeftToAbseil) {
  EXPECT_EQ(Check({"--flagfile=f", "--bogus"}).action, Action::kUnchecked);
}

// Grouped by defining file, sorted, strings quoted, in the format scripts read.
TEST(FormatFlagHelpTest, GroupsByFileWithDefaults) {
  EXPECT_EQ(FormatFlagHelp({{"state_dir", "query/main.cc", "RocksDB directory", "var/q", true},
                            {"tls_cert", "common/security/flags.cc", "PEM", "", true},
                            {"block_cache_mb", "query/main.cc", "cache size", "128", false}}),
            "\n  Flags from common/security/flags.cc:\n"
            "    --tls_cert (PEM); default: \"\";\n"
            "\n  Flags from query/main.cc:\n"
            "    --block_cache_mb (cache size); default: 128;\n"
            "    --state_dir (RocksDB directory); default: \"var/q\";\n");
}

}  // namespace
}  // namespace cw::obs
