// Exact-derivation attacks on a suppression pattern. See attack.h.
#include "common/disclosure/attack.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace cw::disclosure {
namespace {

constexpr int64_t kPrime = 2'147'483'647;  // 2^31 − 1

// Cells 0..n-1, which are unknown, and equations Σ coefficient · cell = 0.
struct System {
  std::vector<bool> unknown;
  std::vector<std::vector<std::pair<int, int>>> equations;  // (cell, coefficient)
};

std::vector<int> SingleUnknown(const System& system) {
  std::vector<bool> unknown = system.unknown;
  std::vector<int> solved;
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& equation : system.equations) {
      int count = 0;
      int last = -1;
      for (const auto& [cell, coefficient] : equation) {
        if (coefficient != 0 && unknown[cell]) {
          ++count;
          last = cell;
        }
      }
      if (count == 1) {
        unknown[last] = false;
        solved.push_back(last);
        changed = true;
      }
    }
  }
  return solved;
}

int64_t Mod(int64_t v) { return ((v % kPrime) + kPrime) % kPrime; }

int64_t Inverse(int64_t a) {  // a^(p-2) mod p, a != 0
  int64_t result = 1;
  int64_t base = a;
  for (int64_t e = kPrime - 2; e > 0; e >>= 1) {
    if (e & 1) result = result * base % kPrime;
    base = base * base % kPrime;
  }
  return result;
}

std::vector<int> Linear(const System& system) {
  std::vector<int> column_of(system.unknown.size(), -1);
  std::vector<int> cell_of;
  for (size_t i = 0; i < system.unknown.size(); ++i) {
    if (system.unknown[i]) {
      column_of[i] = static_cast<int>(cell_of.size());
      cell_of.push_back(static_cast<int>(i));
    }
  }
  const int m = static_cast<int>(cell_of.size());
  std::vector<std::vector<int64_t>> a;
  for (const auto& equation : system.equations) {
    std::vector<int64_t> row(m, 0);
    for (const auto& [cell, coefficient] : equation) {
      if (column_of[cell] >= 0) row[column_of[cell]] = Mod(row[column_of[cell]] + coefficient);
    }
    a.push_back(std::move(row));
  }
  // Gauss–Jordan to reduced row echelon form.
  std::vector<int> pivot_row(m, -1);
  int next = 0;
  for (int col = 0; col < m && next < static_cast<int>(a.size()); ++col) {
    int found = -1;
    for (int r = next; r < static_cast<int>(a.size()); ++r) {
      if (a[r][col] != 0) {
        found = r;
        break;
      }
    }
    if (found < 0) continue;
    std::swap(a[found], a[next]);
    const int64_t inv = Inverse(a[next][col]);
    for (int64_t& v : a[next]) v = v * inv % kPrime;
    for (int r = 0; r < static_cast<int>(a.size()); ++r) {
      if (r == next || a[r][col] == 0) continue;
      const int64_t f = a[r][col];
      for (int k = 0; k < m; ++k) a[r][k] = Mod(a[r][k] - f * a[next][k] % kPrime);
    }
    pivot_row[col] = next++;
  }
  // A pivot column whose row has no other non-zero entry (the other pivots are zero in
  // RREF, so: no free column) is determined.
  std::vector<int> solved;
  for (int col = 0; col < m; ++col) {
    if (pivot_row[col] < 0) continue;
    bool alone = true;
    for (int k = 0; k < m && alone; ++k) alone = k == col || a[pivot_row[col]][k] == 0;
    if (alone) solved.push_back(cell_of[col]);
  }
  return solved;
}

std::vector<int> Solve(const System& system, Attack attack) {
  return attack == Attack::kSingleUnknown ? SingleUnknown(system) : Linear(system);
}

// Appends the grid of `table` (cells and margins) to `system`: one variable per grid cell,
// unknown when its status is confidential (absent cells are structural zeros: known), and
// the grid's equations. Returns each grid cell's variable by Table::carried key ("*" for a
// margin); `ids` gets each variable's cell id.
std::map<std::pair<std::string, std::string>, int> AddGrid(const TableStatus& status,
                                                           const Table& table, System& system,
                                                           std::vector<std::string>& ids) {
  const int n_rows = static_cast<int>(table.rows.size());
  const int n_cols = static_cast<int>(table.cols.size());
  const int base = static_cast<int>(system.unknown.size());
  // Grid cell (r, c), r in [0, R] (R: column totals), c in [0, C] (C: row totals).
  auto index = [n_cols, base](int r, int c) { return base + r * (n_cols + 1) + c; };
  const size_t n = static_cast<size_t>(n_rows + 1) * (n_cols + 1);
  system.unknown.resize(base + n, false);
  ids.resize(base + n);
  std::map<std::pair<std::string, std::string>, int> vars;
  for (int r = 0; r <= n_rows; ++r) {
    for (int c = 0; c <= n_cols; ++c) {
      const std::string row = r < n_rows ? table.rows[r] : "*";
      const std::string col = c < n_cols ? table.cols[c] : "*";
      vars[{row, col}] = index(r, c);
      ids[index(r, c)] = absl::StrCat(row, "/", col);
      const CellStatus* s = nullptr;
      if (r < n_rows && c < n_cols) {
        // An absent cell is a structural zero: known, whatever the status says.
        if (!table.cells.contains({row, col})) continue;
        const auto it = status.cells.find({row, col});
        if (it != status.cells.end()) s = &it->second;
      } else if (r < n_rows) {
        const auto it = status.row_totals.find(row);
        if (it != status.row_totals.end()) s = &it->second;
      } else if (c < n_cols) {
        const auto it = status.col_totals.find(col);
        if (it != status.col_totals.end()) s = &it->second;
      } else {
        s = &status.grand_total;
      }
      if (s != nullptr && s->confidential) {
        system.unknown[index(r, c)] = true;
        ids[index(r, c)] = s->id;
      }
    }
  }
  for (int r = 0; r <= n_rows; ++r) {  // grid row r: Σ_c cell(r, c) − cell(r, C) = 0
    std::vector<std::pair<int, int>> equation;
    for (int c = 0; c < n_cols; ++c) equation.emplace_back(index(r, c), 1);
    equation.emplace_back(index(r, n_cols), -1);
    system.equations.push_back(std::move(equation));
  }
  for (int c = 0; c <= n_cols; ++c) {  // grid column c: Σ_r cell(r, c) − cell(R, c) = 0
    std::vector<std::pair<int, int>> equation;
    for (int r = 0; r < n_rows; ++r) equation.emplace_back(index(r, c), 1);
    equation.emplace_back(index(n_rows, c), -1);
    system.equations.push_back(std::move(equation));
  }
  return vars;
}

}  // namespace

std::vector<std::string> RecoveredCells(const TableStatus& status, const Table& table,
                                        Attack attack) {
  System system;
  std::vector<std::string> ids;
  AddGrid(status, table, system, ids);
  std::vector<int> solved = Solve(system, attack);
  std::sort(solved.begin(), solved.end());
  std::vector<std::string> out;
  for (int i : solved) out.push_back(ids[i]);
  return out;
}

std::vector<std::string> RecoveredAcrossPeriods(
    const std::vector<std::pair<Table, TableStatus>>& periods, Attack attack) {
  System system;
  std::vector<std::string> ids;
  std::vector<std::map<std::pair<std::string, std::string>, int>> grids;
  for (size_t q = 0; q < periods.size(); ++q) {
    const size_t first = ids.size();
    grids.push_back(AddGrid(periods[q].second, periods[q].first, system, ids));
    for (size_t i = first; i < ids.size(); ++i) ids[i] = absl::StrCat(q, ":", ids[i]);
  }
  // month(q, key) = YTD(q, key) − YTD(q−1, key): a variable per grid cell of period q,
  // published with the cell (a department sees a published cell's month and year to date;
  // a withheld cell's month is unknown). A key absent before q had YTD 0 there; a cell
  // absent at q is published nowhere at q and has no period value.
  for (size_t q = 0; q < periods.size(); ++q) {
    const Table& table = periods[q].first;
    for (const auto& [key, ytd] : grids[q]) {
      const bool interior = key.first != "*" && key.second != "*";
      if (interior && !table.cells.contains(key)) continue;
      const int month = static_cast<int>(system.unknown.size());
      system.unknown.push_back(system.unknown[ytd]);
      ids.push_back(absl::StrCat(ids[ytd], " (month)"));
      std::vector<std::pair<int, int>> link = {{ytd, 1}, {month, -1}};
      if (q > 0) {
        auto prev = grids[q - 1].find(key);
        if (prev != grids[q - 1].end()) link.emplace_back(prev->second, -1);
      }
      system.equations.push_back(std::move(link));
    }
  }
  std::vector<int> solved = Solve(system, attack);
  std::sort(solved.begin(), solved.end());
  std::vector<std::string> out;
  for (int i : solved) out.push_back(ids[i]);
  return out;
}

bool Recoverable(const TableStatus& status, const Table& table, Attack attack) {
  return !RecoveredCells(status, table, attack).empty();
}

std::vector<std::string> RecoveredCells(const Status1D& status, Attack attack) {
  const int n = static_cast<int>(status.children.size());
  System system;
  system.unknown.assign(n + 1, false);
  std::vector<std::pair<int, int>> equation;
  for (int i = 0; i < n; ++i) {
    system.unknown[i] = status.children[i].confidential;
    equation.emplace_back(i, 1);
  }
  system.unknown[n] = status.total.confidential;
  equation.emplace_back(n, -1);
  system.equations.push_back(std::move(equation));
  std::vector<int> solved = Solve(system, attack);
  std::sort(solved.begin(), solved.end());
  std::vector<std::string> out;
  for (int i : solved) out.push_back(i < n ? status.children[i].id : status.total.id);
  return out;
}

bool Recoverable(const Status1D& status, Attack attack) {
  return !RecoveredCells(status, attack).empty();
}

}  // namespace cw::disclosure
