// Start-up shared by every clusterwatch program (cw-ingest, cw-aggregator, cw-query,
// cw-alerter, cw-allinone, clusterctl): the command line is checked before Abseil parses it,
// so that every program answers the same way:
//   --help, --helpshort   the usage line, what the program does and its own flags (those
//                         defined in this project's sources), grouped by the file that
//                         defines them, each with its default; exit 0
//   --helpfull            the same with Abseil's built-in flags too; exit 0
//   --version             "<program> <version> (commit <git describe>)"; exit 0
//   --check_flags         parse the flags and validate the configuration (files named by
//                         flags are read and parsed), then exit without starting anything:
//                         0 valid, 2 invalid
//   an unknown flag, a flag without its value or with a value of the wrong type: the error,
//                         the usage line and a pointer to --help on stderr; exit 2
//                         (kExitUsage), as for every other usage error (UsageError).
// A main calls InitProgram instead of absl::ParseCommandLine, validates its configuration
// as before (returning 2 on a bad one), and then `if (cw::obs::FlagCheckDone()) return 0;`
// before it opens a port, a store or a Kafka client.
// Not thread-safe: InitProgram runs once, first thing in main.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cw::obs {

// The exit status of every usage error (the same as an invalid configuration).
inline constexpr int kExitUsage = 2;

// Checks argv (exits 0 after --help/--helpfull/--version, 2 with the usage line on a bad
// flag), then parses it with Abseil. Returns the positional arguments, argv[0] first, as
// absl::ParseCommandLine does. `synopsis` follows the program's name on the usage line
// ("[flags]", "COMMAND [flags] [ARG...]"); `description` says what the program does (may
// span lines). Command lines using --flagfile, --fromenv, --tryfromenv or --undefok are left
// to Abseil unchecked (which exits 1 on a bad flag).
std::vector<char*> InitProgram(int argc, char** argv, std::string_view synopsis,
                               std::string_view description);

// A service: InitProgram with the synopsis "[flags]"; a positional argument is a usage
// error (exit 2).
void InitProgram(int argc, char** argv, std::string_view description);

// "usage: <program> <synopsis>".
std::string UsageLine();

// Prints "<program>: <message>", the usage line and "run '<program> --help' for the flags"
// to stderr; returns kExitUsage for `return UsageError(...)` in a main.
int UsageError(std::string_view message);

// True when --check_flags was given; then also prints "<program>: flags and configuration
// OK" to stderr. Call after the configuration has been validated.
bool FlagCheckDone();

// The program's short name (argv[0] without directories; "clusterwatch" before InitProgram).
std::string ProgramName();
// The release version (the CMake project version) and `git describe --tags --always --dirty`
// of the commit the build was configured at ("unknown" outside a git checkout).
std::string_view Version();
std::string_view Commit();

// ---- Pure parts of the above (no I/O, no global state), exposed for tests. ----

// What the argument check needs to know of a flag.
struct FlagSpec {
  bool is_bool = false;
  // Whether `value` parses as the flag's type; on false, `*error` says why. Null: any value.
  std::function<bool(std::string_view value, std::string* error)> parses;
};

// What to do with a command line.
struct ArgsVerdict {
  enum class Action { kParse, kHelp, kHelpFull, kVersion, kUnchecked, kUsageError };
  Action action = Action::kParse;
  std::string error;  // kUsageError: what is wrong, naming the argument
};

// Checks `args` (argv without argv[0]) the way Abseil would parse them: "--" ends the flags,
// "-name" and "--name" are the same, "--name=value" or "--name value" for a non-boolean
// flag, "--name", "--noname" or "--name=true|false|..." for a boolean one. `lookup` answers
// for a flag name (nullopt: not defined). The first help or version flag decides (help
// before version); otherwise the first unknown flag, missing value or unparsable value is a
// usage error.
ArgsVerdict CheckArgs(const std::vector<std::string>& args,
                      const std::function<std::optional<FlagSpec>(std::string_view)>& lookup);

// A flag as --help shows it.
struct FlagHelp {
  std::string name;
  std::string file;           // defining source file, relative to the source tree
  std::string help;
  std::string default_value;  // as text; strings are shown quoted
  bool is_string = false;
};

// The --help text after the usage line and the description: one group per defining file
// ("Flags from ingest/main.cc:"), files and flags sorted by name, each flag as
//   "    --name (help); default: value;"
// (strings quoted), the format scripts/validate-deploy.sh reads.
std::string FormatFlagHelp(std::vector<FlagHelp> flags);

}  // namespace cw::obs
