// Start-up shared by every clusterwatch program (cw-ingest, cw-aggregator, cw-query,
// cw-alerter, cw-allinone, clusterctl): Abseil flag parsing with
//   --help / --helpshort  the usage line and the program's own flags (those defined in this
//                         project's sources; Abseil's built-ins are left out),
//   --version             "<program> <version> (commit <sha>)", exit 0,
//   --check_flags         parse the flags and validate the configuration (files named by
//                         flags are read and parsed), then exit without starting anything:
//                         0 valid, 2 invalid configuration (1 for an unknown or malformed flag,
//                         Abseil's own exit code).
// A main calls InitProgram instead of absl::ParseCommandLine, validates its configuration
// as before (returning 2 on a bad one), and then `if (cw::obs::FlagCheckDone()) return 0;`
// before it opens a port, a store or a Kafka client.
// Not thread-safe: InitProgram runs once, first thing in main.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cw::obs {

// Sets the usage message and the help/version configuration, then parses argv (exits as
// Abseil does on --help, --version or a bad flag). Returns the positional arguments, argv[0]
// first, as absl::ParseCommandLine does.
std::vector<char*> InitProgram(int argc, char** argv, std::string_view usage);

// True when --check_flags was given; then also prints "<program>: flags and configuration
// OK" to stderr. Call after the configuration has been validated.
bool FlagCheckDone();

// The program's short name (argv[0] without directories; "clusterwatch" before InitProgram).
std::string ProgramName();
// The release version (the CMake project version) and the git commit the build was
// configured at ("unknown" outside a git checkout).
std::string_view Version();
std::string_view Commit();

}  // namespace cw::obs
