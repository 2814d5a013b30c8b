// Exact-derivation attacks on a suppression pattern. See attack.h.
#include "common/disclosure/attack.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

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

}  // namespace

std::vector<std::string> RecoveredCells(const TableStatus& status, const Table& table,
                                        Attack attack) {
  const int n_rows = static_cast<int>(table.rows.size());
  const int n_cols = static_cast<int>(table.cols.size());
  // Grid cell (r, c), r in [0, R] (R: column totals), c in [0, C] (C: row totals).
  auto index = [n_cols](int r, int c) { return r * (n_cols + 1) + c; };
  System system;
  system.unknown.assign(static_cast<size_t>(n_rows + 1) * (n_cols + 1), false);
  std::vector<std::string> ids(system.unknown.size());
  auto mark = [&](int r, int c, const CellStatus* s) {
    if (s != nullptr && s->confidential) {
      system.unknown[index(r, c)] = true;
      ids[index(r, c)] = s->id;
    }
  };
  for (int r = 0; r <= n_rows; ++r) {
    for (int c = 0; c <= n_cols; ++c) {
      const CellStatus* s = nullptr;
      if (r < n_rows && c < n_cols) {
        // An absent cell is a structural zero: known, whatever the status says.
        if (!table.cells.contains({table.rows[r], table.cols[c]})) continue;
        const auto it = status.cells.find({table.rows[r], table.cols[c]});
        if (it != status.cells.end()) s = &it->second;
      } else if (r < n_rows) {
        const auto it = status.row_totals.find(table.rows[r]);
        if (it != status.row_totals.end()) s = &it->second;
      } else if (c < n_cols) {
        const auto it = status.col_totals.find(table.cols[c]);
        if (it != status.col_totals.end()) s = &it->second;
      } else {
        s = &status.grand_total;
      }
      mark(r, c, s);
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
