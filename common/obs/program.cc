#include "common/obs/program.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
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

std::string& Synopsis() {
  static auto* synopsis = new std::string("[flags]");
  return *synopsis;
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

// Abseil's flags that read more flags from elsewhere: a command line with them is left to
// Abseil, since the flags they bring in cannot be checked here.
bool IndirectFlag(std::string_view name) {
  return name == "flagfile" || name == "fromenv" || name == "tryfromenv" || name == "undefok";
}

std::string VersionLine() {
  return absl::StrCat(ProgramName(), " ", std::string(Version()), " (commit ",
                      std::string(Commit()), ")\n");
}

std::optional<FlagSpec> LookupRegistered(std::string_view name) {
  absl::CommandLineFlag* flag = absl::FindCommandLineFlag(absl::string_view(name.data(), name.size()));
  if (flag == nullptr || flag->IsRetired()) return std::nullopt;
  FlagSpec spec;
  spec.is_bool = flag->IsOfType<bool>();
  // ParseFrom stores the value it parses; Abseil parses the same arguments again right
  // after, in the same order, so the flag ends up as the command line says.
  spec.parses = [flag](std::string_view value, std::string* error) {
    return flag->ParseFrom(absl::string_view(value.data(), value.size()), error);
  };
  return spec;
}

std::string HelpText(bool all) {
  std::vector<FlagHelp> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    const std::string file = NormalizeFilename(flag->Filename());
    if (!all && !OwnFlag(file)) continue;
    flags.push_back({std::string(name), file, flag->Help(), flag->DefaultValue(),
                     flag->IsOfType<std::string>()});
  }
  // Answered here before Abseil parses (CheckArgs), so listed with this file's flags.
  const std::string self = NormalizeFilename(__FILE__);
  flags.push_back({"help", self, "the usage line, what the program does and its own flags; exit 0",
                   "false", false});
  flags.push_back({"helpshort", self, "the same as --help", "false", false});
  flags.push_back({"helpfull", self, "--help with Abseil's built-in flags too; exit 0", "false",
                   false});
  flags.push_back({"version", self, "print '<program> <version> (commit <git describe>)'; exit 0", "false",
                   false});
  return FormatFlagHelp(std::move(flags));
}

}  // namespace

ArgsVerdict CheckArgs(const std::vector<std::string>& args,
                      const std::function<std::optional<FlagSpec>(std::string_view)>& lookup) {
  using Action = ArgsVerdict::Action;
  std::optional<ArgsVerdict> first_error;
  bool version = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') continue;  // positional ("-" included)
    std::string_view body(arg);
    body.remove_prefix(body[1] == '-' ? 2 : 1);
    const size_t eq = body.find('=');
    const std::string_view name = body.substr(0, eq);
    const bool has_value = eq != std::string_view::npos;
    const std::string_view value = has_value ? body.substr(eq + 1) : std::string_view();
    if (name == "help" || name == "helpshort" || name == "helppackage") return {Action::kHelp, ""};
    if (name == "helpfull") return {Action::kHelpFull, ""};
    if (name == "helpon" || name == "helpmatch" || IndirectFlag(name)) {
      return {Action::kUnchecked, ""};
    }
    if (name == "version") {
      version = true;
      continue;
    }
    if (first_error) continue;  // still look for --help further on
    auto error = [&](std::string what) {
      first_error = ArgsVerdict{Action::kUsageError, std::move(what)};
    };
    std::optional<FlagSpec> spec = lookup(name);
    if (!spec && absl::StartsWith(absl::string_view(name.data(), name.size()), "no")) {
      std::optional<FlagSpec> positive = lookup(name.substr(2));
      if (positive && positive->is_bool) {
        if (has_value) {
          error(absl::StrCat("--", std::string(name), " takes no value (got '", arg, "')"));
        }
        continue;
      }
    }
    if (!spec) {
      error(absl::StrCat("unknown flag '", arg, "'"));
      continue;
    }
    std::string given;
    if (has_value) {
      given = std::string(value);
    } else if (spec->is_bool) {
      continue;  // --name alone sets a boolean
    } else if (i + 1 < args.size()) {
      given = args[++i];  // "--name value"
    } else {
      error(absl::StrCat("flag --", std::string(name), " needs a value (--", std::string(name),
                         "=VALUE)"));
      continue;
    }
    std::string why;
    if (spec->parses && !spec->parses(given, &why)) {
      error(absl::StrCat("bad value '", given, "' for --", std::string(name),
                         why.empty() ? "" : ": ", why));
    }
  }
  if (version) return {Action::kVersion, ""};
  if (first_error) return *first_error;
  return {Action::kParse, ""};
}

std::string FormatFlagHelp(std::vector<FlagHelp> flags) {
  std::map<std::string, std::vector<FlagHelp>> by_file;
  for (auto& f : flags) by_file[f.file].push_back(std::move(f));
  std::string out;
  for (auto& [file, group] : by_file) {
    std::sort(group.begin(), group.end(),
              [](const FlagHelp& a, const FlagHelp& b) { return a.name < b.name; });
    absl::StrAppend(&out, "\n  Flags from ", file, ":\n");
    for (const auto& f : group) {
      const std::string def = f.is_string ? absl::StrCat("\"", f.default_value, "\"")
                                          : f.default_value;
      absl::StrAppend(&out, "    --", f.name, " (", f.help, "); default: ", def, ";\n");
    }
  }
  return out;
}

std::vector<char*> InitProgram(int argc, char** argv, std::string_view synopsis,
                               std::string_view description) {
  if (argc > 0 && argv[0] != nullptr) {
    absl::string_view arg0 = argv[0];
    auto slash = arg0.rfind('/');
    Name() = std::string(slash == absl::string_view::npos ? arg0 : arg0.substr(slash + 1));
  }
  Synopsis() = std::string(synopsis);
  absl::FlagsUsageConfig config;
  config.contains_helpshort_flags = OwnFlag;
  config.contains_help_flags = OwnFlag;
  config.contains_helppackage_flags = OwnFlag;
  config.normalize_filename = NormalizeFilename;
  config.version_string = VersionLine;
  absl::SetFlagsUsageConfig(config);
  const std::string about = absl::StrCat(
      UsageLine(), "\n", std::string(description),
      "\n\n--helpfull lists Abseil's built-in flags too; --check_flags validates the flags "
      "and the configuration\nand exits (0 valid, 2 invalid). A usage error exits 2.");
  absl::SetProgramUsageMessage(about);

  std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  const ArgsVerdict verdict = CheckArgs(args, LookupRegistered);
  switch (verdict.action) {
    case ArgsVerdict::Action::kHelp:
    case ArgsVerdict::Action::kHelpFull:
      std::cout << about << "\n"
                << HelpText(verdict.action == ArgsVerdict::Action::kHelpFull) << std::flush;
      std::exit(0);
    case ArgsVerdict::Action::kVersion:
      std::cout << VersionLine() << std::flush;
      std::exit(0);
    case ArgsVerdict::Action::kUsageError:
      std::exit(UsageError(verdict.error));
    case ArgsVerdict::Action::kParse:
    case ArgsVerdict::Action::kUnchecked:
      break;
  }
  return absl::ParseCommandLine(argc, argv);
}

void InitProgram(int argc, char** argv, std::string_view description) {
  std::vector<char*> positional = InitProgram(argc, argv, "[flags]", description);
  if (positional.size() > 1) {
    std::exit(UsageError(absl::StrCat("unexpected argument '", positional[1],
                                      "' (this program takes flags only)")));
  }
}

std::string UsageLine() { return absl::StrCat("usage: ", ProgramName(), " ", Synopsis()); }

int UsageError(std::string_view message) {
  std::cerr << ProgramName() << ": " << message << "\n"
            << UsageLine() << "\nrun '" << ProgramName() << " --help' for the flags\n";
  return kExitUsage;
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
