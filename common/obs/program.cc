#include "common/obs/program.h"

#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(bool, check_flags, false,
          "parse the flags and validate the configuration (reading the files they name), "
          "then exit without starting anything: 0 valid, 2 invalid");

#ifndef CW_VERSION
#define CW_VERSION "0.0.0"
#endif
#ifndef CW_COMMIT
#define CW_COMMIT "unknown"
#endif
#ifndef CW_SOURCE_DIR
#define CW_SOURCE_DIR ""
#endif

namespace cw::obs {
namespace {

std::string& Name() {
  static auto* name = new std::string("clusterwatch");
  return *name;
}

// Flags are listed by the file that defines them; a path inside this source tree is shown
// relative to it ("ingest/main.cc"), which is also how the project's own flags are told
// apart from Abseil's built-ins.
std::string NormalizeFilename(absl::string_view file) {
  absl::string_view root = CW_SOURCE_DIR;
  if (!root.empty() && absl::StartsWith(file, root)) {
    file.remove_prefix(root.size());
    while (absl::StartsWith(file, "/")) file.remove_prefix(1);
  }
  while (absl::StartsWith(file, "../")) file.remove_prefix(3);  // a build tree's relative path
  return std::string(file);
}

bool OwnFlag(absl::string_view normalized_file) {
  return !absl::StartsWith(normalized_file, "/") && !absl::StrContains(normalized_file, "absl/");
}

}  // namespace

std::vector<char*> InitProgram(int argc, char** argv, std::string_view usage) {
  if (argc > 0 && argv[0] != nullptr) {
    absl::string_view arg0 = argv[0];
    auto slash = arg0.rfind('/');
    Name() = std::string(slash == absl::string_view::npos ? arg0 : arg0.substr(slash + 1));
  }
  absl::FlagsUsageConfig config;
  config.contains_helpshort_flags = OwnFlag;
  config.contains_help_flags = OwnFlag;
  config.contains_helppackage_flags = OwnFlag;
  config.normalize_filename = NormalizeFilename;
  config.version_string = []() -> std::string {
    return absl::StrCat(ProgramName(), " ", absl::string_view(Version().data(), Version().size()),
                        " (commit ", absl::string_view(Commit().data(), Commit().size()), ")\n");
  };
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(absl::StrCat(
      absl::string_view(usage.data(), usage.size()), "\n\n  --version prints the version; --check_flags validates the "
      "flags and configuration and exits (0 valid, 2 invalid)."));
  return absl::ParseCommandLine(argc, argv);
}

bool FlagCheckDone() {
  if (!absl::GetFlag(FLAGS_check_flags)) return false;
  std::cerr << ProgramName() << ": flags and configuration OK\n";
  return true;
}

std::string ProgramName() { return Name(); }
std::string_view Version() { return CW_VERSION; }
std::string_view Commit() { return CW_COMMIT; }

}  // namespace cw::obs
