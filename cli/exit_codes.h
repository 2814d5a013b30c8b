// clusterctl's exit statuses, one meaning each, so that a script can tell the outcomes apart
// (docs/operations.md, "clusterctl exit statuses"). Pure: no I/O. Thread-safe.
#pragma once

#include <string>

namespace cw::cli {

enum ExitCode : int {
  kExitOk = 0,        // done: every record accepted, everything asked for found
  kExitError = 1,     // a call failed (service unreachable, refused, server error) or a
                      // file could not be read or is not a table of the expected kind
  kExitUsage = 2,     // the command line is wrong: unknown command or flag, a missing
                      // argument, a flag value that does not parse, or TLS files
                      // (--tls_ca/--tls_cert/--tls_key) that cannot be used
  kExitRefused = 3,   // push: every file was answered, but some lines were refused
  kExitNotFound = 4,  // what was asked for does not exist (e.g. report --park=NOPE)
};

// The outcome of pushing several files, one file at a time.
struct PushTally {
  int files = 0;          // files answered by ingest
  int failed_files = 0;   // files not pushed (unreadable, not a report table, call failed)
  int files_with_refusals = 0;
  long long accepted = 0;
  long long refused = 0;  // lines refused, over all answered files

  void Answered(long long accepted_lines, long long refused_lines);
  void Failed() { ++failed_files; }
  // kExitError when a file failed, else kExitRefused when a line was refused, else kExitOk.
  ExitCode Exit() const;
  // One line for the end of a push: "clusterctl push: 3 files, 120 lines accepted, 2
  // refused (in 1 file): exit 3"; names failed files too.
  std::string Summary() const;
};

}  // namespace cw::cli
