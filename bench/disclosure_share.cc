// How much disclosure control withholds, with and without carrying a year's suppressions
// forward (common/disclosure/secondary.h Table::carried), and what differencing across
// periods recovers without it (attack.h RecoveredAcrossPeriods). Reads the published
// tables' contributors as TSV on stdin — period key, park, industry class, enterprise,
// year-to-date fen — as bench/disclosure_share.sh exports them from a running stack, and
// prints a Markdown table per year. The same protection cw-query applies (replica/redact.cc).
//
// With an argument FILE it also writes each period's table, protected alone, as one JSON line
// for bench/optimal_suppression.py: every grid cell (margins as "*") with its value, its
// largest contributor's protection level, whether a primary rule withholds it, whether it is
// a structural zero, and whether secondary.h's heuristic withheld it.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/disclosure/attack.h"
#include "common/disclosure/secondary.h"

namespace {
namespace d = cw::disclosure;

struct Count {
  int cells = 0;      // interior cells with contributors
  int withheld = 0;   // of them withheld
  int margins = 0;    // margins (row, column and grand totals)
  int margins_withheld = 0;
};

Count Counted(const d::TableStatus& s) {
  Count c;
  for (const auto& [key, cell] : s.cells) {
    if (cell.structural_zero) continue;
    ++c.cells;
    c.withheld += cell.confidential;
  }
  auto margin = [&c](const d::CellStatus& cell) {
    ++c.margins;
    c.margins_withheld += cell.confidential;
  };
  for (const auto& [row, cell] : s.row_totals) margin(cell);
  for (const auto& [col, cell] : s.col_totals) margin(cell);
  margin(s.grand_total);
  return c;
}

// One JSON line: the period's grid for bench/optimal_suppression.py.
void ExportTable(std::ostream& out, const std::string& key, const d::Table& t,
                 const d::TableStatus& s, const d::Rules& rules) {
  // Contributors of every grid cell: a margin's are the union of its cells'.
  std::map<std::pair<std::string, std::string>, std::vector<d::Contributor>> grid;
  for (const auto& [rc, cell] : t.cells) {
    for (const auto& who : cell.contributors) {
      for (const auto& k : {rc, std::pair<std::string, std::string>{rc.first, "*"},
                            std::pair<std::string, std::string>{"*", rc.second},
                            std::pair<std::string, std::string>{"*", "*"}}) {
        grid[k].push_back(who);
      }
    }
  }
  auto status = [&s](const std::pair<std::string, std::string>& k) -> const d::CellStatus& {
    if (k.first == "*" && k.second == "*") return s.grand_total;
    if (k.second == "*") return s.row_totals.at(k.first);
    if (k.first == "*") return s.col_totals.at(k.second);
    return s.cells.at(k);
  };
  out << "{\"period\":\"" << key << "\",\"cells\":[";
  bool first = true;
  for (const auto& [k, contributors] : grid) {
    auto merged = d::MergeContributors(k.first + "/" + k.second, contributors);
    if (!merged.ok()) continue;
    int64_t value = 0, largest = 0;
    for (const auto& c : *merged) {
      value += c.value;
      largest = std::max(largest, c.value);
    }
    const d::CellStatus& st = status(k);
    const bool primary = st.reason == d::Reason::kThreshold ||
                         st.reason == d::Reason::kDominance ||
                         st.reason == d::Reason::kPPercent;
    out << (first ? "" : ",") << "{\"row\":\"" << k.first << "\",\"col\":\"" << k.second
        << "\",\"value\":" << value << ",\"protection\":" << d::ProtectionLevel(largest, rules)
        << ",\"primary\":" << (primary ? "true" : "false")
        << ",\"withheld\":" << (st.confidential ? "true" : "false") << "}";
    first = false;
  }
  out << "]}\n";
}

std::string Share(int part, int whole) {
  return whole == 0 ? "-" : absl::StrFormat("%d / %d (%.1f%%)", part, whole, 100.0 * part / whole);
}

}  // namespace

int main(int argc, char** argv) {
  std::ofstream export_file;
  if (argc > 1) {
    export_file.open(argv[1]);
    if (!export_file) {
      std::cerr << "disclosure_share: cannot write " << argv[1] << "\n";
      return 2;
    }
  }
  std::map<std::string, d::Table> tables;  // by period key, in period order
  std::map<std::string, std::pair<std::set<std::string>, std::set<std::string>>> names;
  std::string line;
  int n = 0;
  while (std::getline(std::cin, line)) {
    ++n;
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    int64_t fen = 0;
    if (f.size() != 5 || !absl::SimpleAtoi(f[4], &fen)) {
      std::cerr << "disclosure_share: line " << n
                << ": expected period, park, industry, enterprise, ytd fen (tab-separated)\n";
      return 2;
    }
    if (fen <= 0) continue;
    auto& cell = tables[f[0]].cells[{f[1], f[2]}];
    cell.id = f[1] + "|" + f[2];
    cell.contributors.push_back({f[3], fen});
    names[f[0]].first.insert(f[1]);
    names[f[0]].second.insert(f[2]);
  }
  std::map<std::string, std::vector<std::string>> years;
  for (auto& [key, t] : tables) {
    t.rows.assign(names[key].first.begin(), names[key].first.end());
    t.cols.assign(names[key].second.begin(), names[key].second.end());
    years[key.substr(0, 4)].push_back(key);
  }
  const d::Rules rules;
  std::cout << "| year | periods | interior cells withheld, each period alone | with carrying |"
               " margins withheld alone | with carrying | derived across periods, alone |"
               " with carrying |\n|---|---|---|---|---|---|---|---|\n";
  for (const auto& [year, keys] : years) {
    std::vector<std::pair<d::Table, d::TableStatus>> alone, carried;
    Count a, c;
    for (const auto& key : keys) {
      const d::Table& t = tables[key];
      auto s = d::Protect(t, rules);
      d::Table with = t;
      if (!carried.empty()) with.carried = d::WithheldKeys(carried.back().second);
      auto sc = d::Protect(with, rules);
      if (!s.ok() || !sc.ok()) {
        std::cerr << "disclosure_share: " << key << ": " << (s.ok() ? sc.status() : s.status())
                  << "\n";
        return 1;
      }
      const Count ca = Counted(*s), cc = Counted(*sc);
      a.cells += ca.cells, a.withheld += ca.withheld, a.margins += ca.margins;
      a.margins_withheld += ca.margins_withheld;
      c.cells += cc.cells, c.withheld += cc.withheld, c.margins += cc.margins;
      c.margins_withheld += cc.margins_withheld;
      if (export_file.is_open()) ExportTable(export_file, key, t, *s, rules);
      alone.emplace_back(t, *s);
      carried.emplace_back(with, *sc);
    }
    const auto leaked = d::RecoveredAcrossPeriods(alone);
    const auto still = d::RecoveredAcrossPeriods(carried);
    std::cout << "| " << year << " | " << keys.size() << " | " << Share(a.withheld, a.cells)
              << " | " << Share(c.withheld, c.cells) << " | "
              << Share(a.margins_withheld, a.margins) << " | "
              << Share(c.margins_withheld, c.margins) << " | " << leaked.size() << " | "
              << still.size() << " |\n";
  }
  return 0;
}
