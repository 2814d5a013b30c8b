#include "cli/exit_codes.h"

#include "absl/strings/str_cat.h"

namespace cw::cli {

void PushTally::Answered(long long accepted_lines, long long refused_lines) {
  ++files;
  accepted += accepted_lines;
  refused += refused_lines;
  if (refused_lines > 0) ++files_with_refusals;
}

ExitCode PushTally::Exit() const {
  if (failed_files > 0) return kExitError;
  if (refused > 0) return kExitRefused;
  return kExitOk;
}

std::string PushTally::Summary() const {
  std::string out = absl::StrCat("clusterctl push: ", files, files == 1 ? " file" : " files",
                                 " answered, ", accepted, " lines accepted, ", refused,
                                 " refused");
  if (refused > 0) {
    absl::StrAppend(&out, " (in ", files_with_refusals,
                    files_with_refusals == 1 ? " file)" : " files)");
  }
  if (failed_files > 0) {
    absl::StrAppend(&out, "; ", failed_files, failed_files == 1 ? " file" : " files",
                    " not pushed");
  }
  absl::StrAppend(&out, ": exit ", static_cast<int>(Exit()));
  return out;
}

}  // namespace cw::cli
