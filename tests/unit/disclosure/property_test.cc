// Brute-force properties of Protect and Protect1D over many random small tables.
#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/disclosure/attack.h"
#include "common/disclosure/primary.h"
#include "common/disclosure/secondary.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cw::disclosure {
namespace {

constexpr int kTables = 3000;

// A random value: mostly small, sometimes large (dominant), sometimes 0.
int64_t RandomValue(std::mt19937& rng) {
  switch (std::uniform_int_distribution<int>(0, 9)(rng)) {
    case 0:
      return 0;
    case 1:
    case 2:
      return std::uniform_int_distribution<int64_t>(1'000, 100'000)(rng);
    default:
      return std::uniform_int_distribution<int64_t>(1, 1'000)(rng);
  }
}

// Random rules around the defaults, including the extremes p = 0 and p = 1.
Rules RandomRules(std::mt19937& rng) {
  const double ks[] = {0.5, 0.7, 0.85, 1.0};
  const double ps[] = {0.0, 0.1, 0.25, 1.0};
  Rules rules;
  rules.n_min = std::uniform_int_distribution<int>(1, 4)(rng);
  rules.dominance_n = std::uniform_int_distribution<int>(1, 3)(rng);
  rules.dominance_k = ks[std::uniform_int_distribution<int>(0, 3)(rng)];
  rules.p = ps[std::uniform_int_distribution<int>(0, 3)(rng)];
  return rules;
}

// 1–4 rows × 1–4 columns; a cell is absent, empty, or has 1–5 entries; with `spanning`,
// some of them by an enterprise already in the same row (one enterprise in several
// industries of a park).
Table RandomTable(std::mt19937& rng, bool spanning = true) {
  Table t;
  const int rows = std::uniform_int_distribution<int>(1, 4)(rng);
  const int cols = std::uniform_int_distribution<int>(1, 4)(rng);
  for (int r = 0; r < rows; ++r) t.rows.push_back("r" + std::to_string(r));
  for (int c = 0; c < cols; ++c) t.cols.push_back("c" + std::to_string(c));
  int next_id = 0;
  for (const std::string& r : t.rows) {
    std::vector<std::string> in_row;
    for (const std::string& c : t.cols) {
      const int kind = std::uniform_int_distribution<int>(0, 9)(rng);
      if (kind == 0) continue;  // absent
      CellInput cell{r + "/" + c, {}};
      const int n = kind == 1 ? 0 : std::uniform_int_distribution<int>(1, 5)(rng);
      for (int i = 0; i < n; ++i) {
        std::string id;
        if (spanning && !in_row.empty() && std::uniform_int_distribution<int>(0, 5)(rng) == 0) {
          id = in_row[std::uniform_int_distribution<size_t>(0, in_row.size() - 1)(rng)];
        } else {
          id = "e" + std::to_string(next_id++);
          in_row.push_back(id);
        }
        cell.contributors.push_back({id, RandomValue(rng)});
      }
      t.cells[{r, c}] = std::move(cell);
    }
  }
  return t;
}

// Independent protection check (the exact interval in the linear model with values >= 0).
// Orient each grid cell so the table's equations say "flow in = flow out" at every line:
// an interior cell runs column -> row, a row total row -> column *, a column total row * ->
// column, the grand total column * -> row *. Changing the suppressed cells while keeping
// every published figure is a circulation y; a cell's new value x + y must stay >= 0, so a
// cell can carry any flow along its direction but at most its value against it. Cell X can
// rise by P iff P units can flow from X's head back to its tail through the other
// suppressed cells, and fall by P iff P units can flow from its tail to its head (and X >= P).
class ProtectionCheck {
 public:
  ProtectionCheck(const Table& t, const TableStatus& s)
      : rows_(static_cast<int>(t.rows.size())), cols_(static_cast<int>(t.cols.size())) {
    for (int r = 0; r <= rows_; ++r) {
      for (int c = 0; c <= cols_; ++c) {
        const CellStatus* st;
        std::vector<Contributor> contributors;
        if (r < rows_ && c < cols_) {
          st = &s.cells.at({t.rows[r], t.cols[c]});
        } else if (r < rows_) {
          st = &s.row_totals.at(t.rows[r]);
        } else if (c < cols_) {
          st = &s.col_totals.at(t.cols[c]);
        } else {
          st = &s.grand_total;
        }
        for (int rr = 0; rr < rows_; ++rr) {
          if (r < rows_ && rr != r) continue;
          for (int cc = 0; cc < cols_; ++cc) {
            if (c < cols_ && cc != c) continue;
            const auto it = t.cells.find({t.rows[rr], t.cols[cc]});
            if (it == t.cells.end()) continue;
            contributors.insert(contributors.end(), it->second.contributors.begin(),
                                it->second.contributors.end());
          }
        }
        Cell cell;
        cell.r = r;
        cell.c = c;
        cell.suppressed = st->confidential;
        cell.primary = st->confidential && st->reason != Reason::kSecondary;
        for (const Contributor& x : contributors) cell.value += x.value;
        cell.merged = *MergeContributors(st->id, contributors);
        cell.id = st->id;
        cells_.push_back(cell);
      }
    }
  }

  // The ids of primary cells with value > 0 that cannot move by ±ProtectionLevel.
  std::vector<std::string> Unprotected(const Rules& rules) const {
    std::vector<std::string> out;
    for (size_t x = 0; x < cells_.size(); ++x) {
      const Cell& cell = cells_[x];
      if (!cell.primary || cell.value == 0) continue;
      const int64_t level = ProtectionLevel(cell.merged[0].value, rules);
      const auto [tail, head] = Ends(cell);
      if (cell.value < level || MaxFlow(x, head, tail, level) < level ||
          MaxFlow(x, tail, head, level) < level) {
        out.push_back(cell.id);
      }
    }
    return out;
  }

 private:
  struct Cell {
    int r = 0;
    int c = 0;
    bool suppressed = false;
    bool primary = false;
    int64_t value = 0;
    std::vector<Contributor> merged;
    std::string id;
  };

  // Nodes: grid row r is r, grid column c is rows_ + 1 + c.
  std::pair<int, int> Ends(const Cell& cell) const {
    const int row = cell.r;
    const int col = rows_ + 1 + cell.c;
    const bool margin_row = cell.r == rows_;
    const bool margin_col = cell.c == cols_;
    if (!margin_row && !margin_col) return {col, row};  // interior: column -> row
    if (!margin_row) return {row, col};                 // row total: row -> column *
    if (!margin_col) return {row, col};                 // column total: row * -> column
    return {col, row};                                  // grand total: column * -> row *
  }

  // Max flow (capped at `cap`) from `source` to `sink` over the suppressed cells other than
  // `skip`, each carrying `cap` along its direction and its value against it.
  int64_t MaxFlow(size_t skip, int source, int sink, int64_t cap) const {
    const int n = rows_ + 1 + cols_ + 1;
    std::vector<std::vector<int64_t>> residual(n, std::vector<int64_t>(n, 0));
    for (size_t i = 0; i < cells_.size(); ++i) {
      if (i == skip || !cells_[i].suppressed) continue;
      const auto [tail, head] = Ends(cells_[i]);
      residual[tail][head] += cap;
      residual[head][tail] += std::min(cells_[i].value, cap);
    }
    int64_t flow = 0;
    while (flow < cap) {
      std::vector<int> parent(n, -1);
      parent[source] = source;
      std::vector<int> queue = {source};
      for (size_t q = 0; q < queue.size() && parent[sink] < 0; ++q) {
        for (int v = 0; v < n; ++v) {
          if (parent[v] < 0 && residual[queue[q]][v] > 0) {
            parent[v] = queue[q];
            queue.push_back(v);
          }
        }
      }
      if (parent[sink] < 0) break;
      int64_t push = cap - flow;
      for (int v = sink; v != source; v = parent[v]) {
        push = std::min(push, residual[parent[v]][v]);
      }
      for (int v = sink; v != source; v = parent[v]) {
        residual[parent[v]][v] -= push;
        residual[v][parent[v]] += push;
      }
      flow += push;
    }
    return flow;
  }

  int rows_;
  int cols_;
  std::vector<Cell> cells_;
};

// The primary status of each cell and margin computed directly from the table, keyed by id.
std::map<std::string, CellStatus> Primaries(const Table& t, const Rules& rules) {
  std::map<std::string, CellStatus> out;
  std::map<std::string, std::vector<Contributor>> row_union, col_union;
  std::vector<Contributor> all;
  for (const std::string& r : t.rows) {
    for (const std::string& c : t.cols) {
      const auto it = t.cells.find({r, c});
      CellInput cell{r + "/" + c, {}};
      if (it != t.cells.end()) cell.contributors = it->second.contributors;
      out[cell.id] = *PrimaryStatus(cell, rules);
      for (const Contributor& x : cell.contributors) {
        row_union[r].push_back(x);
        col_union[c].push_back(x);
        all.push_back(x);
      }
    }
    out[r + "/*"] = *PrimaryStatus(CellInput{r + "/*", row_union[r]}, rules);
  }
  for (const std::string& c : t.cols) {
    out["*/" + c] = *PrimaryStatus(CellInput{"*/" + c, col_union[c]}, rules);
  }
  out["*/*"] = *PrimaryStatus(CellInput{"*/*", all}, rules);
  return out;
}

// All statuses of a TableStatus keyed by id.
std::map<std::string, CellStatus> ById(const TableStatus& s) {
  std::map<std::string, CellStatus> out;
  for (const auto& [key, status] : s.cells) out[status.id] = status;
  for (const auto& [key, status] : s.row_totals) out[status.id] = status;
  for (const auto& [key, status] : s.col_totals) out[status.id] = status;
  out[s.grand_total.id] = s.grand_total;
  return out;
}

// Number of suppressed cells on each line (grid row or column, margins included).
std::vector<int> SuppressedPerLine(const Table& t, const TableStatus& s) {
  std::vector<int> rows(t.rows.size() + 1, 0), cols(t.cols.size() + 1, 0);
  for (size_t r = 0; r <= t.rows.size(); ++r) {
    for (size_t c = 0; c <= t.cols.size(); ++c) {
      const CellStatus& st = r < t.rows.size() && c < t.cols.size()
                                 ? s.cells.at({t.rows[r], t.cols[c]})
                             : r < t.rows.size() ? s.row_totals.at(t.rows[r])
                             : c < t.cols.size() ? s.col_totals.at(t.cols[c])
                                                 : s.grand_total;
      if (st.confidential) {
        ++rows[r];
        ++cols[c];
      }
    }
  }
  rows.insert(rows.end(), cols.begin(), cols.end());
  return rows;
}

// Over many random tables and rules: Protect succeeds; every primary-confidential cell keeps
// its primary status and every other suppression is secondary; structural zeros are
// published; every row/column/total equation has 0 or >= 2 suppressed cells; neither attack
// recovers anything; a table without primary cells suppresses nothing; the result does not
// depend on row and column order; and, for tables where no enterprise spans cells (every
// other table), every non-zero primary cell can move by ±ProtectionLevel (ProtectionCheck).
TEST(ProtectPropertyTest, RandomTablesAreNotRecoverable) {
  std::mt19937 rng(20240611);
  int with_primary = 0;
  int with_secondary = 0;
  for (int i = 0; i < kTables; ++i) {
    const bool spanning = i % 2 == 0;
    const Table t = RandomTable(rng, spanning);
    const Rules rules = RandomRules(rng);
    SCOPED_TRACE(testing::Message() << "table " << i << " rules\n" << FormatRules(rules));
    const absl::StatusOr<TableStatus> s = Protect(t, rules);
    ASSERT_TRUE(s.ok()) << s.status();
    const std::map<std::string, CellStatus> primary = Primaries(t, rules);
    const std::map<std::string, CellStatus> got = ById(*s);
    ASSERT_EQ(got.size(), primary.size());
    bool any_primary = false;
    bool any_secondary = false;
    for (const auto& [id, p] : primary) {
      const CellStatus& g = got.at(id);
      if (p.confidential) {
        any_primary = true;
        EXPECT_EQ(g, p) << id;
      } else if (g.confidential) {
        any_secondary = true;
        EXPECT_EQ(g, SecondaryStatus(id)) << id;
      } else {
        EXPECT_EQ(g, p) << id;
      }
      if (p.structural_zero) {
        EXPECT_FALSE(g.confidential) << id;
      }
    }
    for (int n : SuppressedPerLine(t, *s)) EXPECT_NE(n, 1);
    EXPECT_THAT(RecoveredCells(*s, t, Attack::kSingleUnknown), testing::IsEmpty());
    EXPECT_THAT(RecoveredCells(*s, t, Attack::kLinear), testing::IsEmpty());
    if (!any_primary) {
      EXPECT_FALSE(any_secondary);
    }
    if (!spanning) {
      EXPECT_THAT(ProtectionCheck(t, *s).Unprotected(rules), testing::IsEmpty());
    }
    with_primary += any_primary;
    with_secondary += any_secondary;

    Table reordered = t;
    std::shuffle(reordered.rows.begin(), reordered.rows.end(), rng);
    std::shuffle(reordered.cols.begin(), reordered.cols.end(), rng);
    EXPECT_EQ(*Protect(reordered, rules), *s);
  }
  // The generator exercises the interesting cases.
  EXPECT_GT(with_primary, kTables / 2);
  EXPECT_GT(with_secondary, kTables / 5);
}

// Over many random years: a random first period, then 1–3 later periods in which every
// enterprise's year to date grows (or stays) and new cells and enterprises may appear;
// each period protected with the previous one's withheld cells carried. Then nothing is
// derived across the periods (RecoveredAcrossPeriods: each period's equations plus every
// published cell's period value), withheld sets only grow, and carrying is what it takes:
// without it some years leak.
TEST(ProtectPropertyTest, CarriedYearsAreNotRecoverableAcrossPeriods) {
  std::mt19937 rng(20261207);
  int leaking_without_carry = 0;
  int carried_cells = 0;
  for (int i = 0; i < kTables / 3; ++i) {
    const Rules rules = RandomRules(rng);
    SCOPED_TRACE(testing::Message() << "year " << i << " rules\n" << FormatRules(rules));
    Table t = RandomTable(rng, i % 2 == 0);
    std::vector<std::pair<Table, TableStatus>> carried, alone;
    const int periods = std::uniform_int_distribution<int>(2, 4)(rng);
    for (int q = 0; q < periods; ++q) {
      if (q > 0) {
        for (auto& [key, cell] : t.cells) {
          for (auto& c : cell.contributors) c.value += RandomValue(rng) / 2;
          if (std::uniform_int_distribution<int>(0, 3)(rng) == 0) {
            cell.contributors.push_back({absl::StrCat("n", q, key.first, key.second),
                                         RandomValue(rng)});
          }
        }
      }
      Table with = t;
      if (!carried.empty()) with.carried = WithheldKeys(carried.back().second);
      const absl::StatusOr<TableStatus> s = Protect(with, rules);
      ASSERT_TRUE(s.ok()) << s.status();
      if (!carried.empty()) {
        for (const auto& key : with.carried) {
          const bool structural = key.first != "*" && key.second != "*" &&
                                  t.cells.at(key).contributors.empty();
          if (!structural) {
            EXPECT_TRUE(WithheldKeys(*s).contains(key));
          }
        }
      }
      for (const auto& [key, st] : s->cells) carried_cells += st.reason == Reason::kCarried;
      carried.emplace_back(with, *s);
      alone.emplace_back(t, *Protect(t, rules));
    }
    EXPECT_THAT(RecoveredAcrossPeriods(carried, Attack::kLinear), testing::IsEmpty());
    leaking_without_carry += !RecoveredAcrossPeriods(alone, Attack::kLinear).empty();
  }
  EXPECT_GT(leaking_without_carry, kTables / 30);  // the attack finds real leaks
  EXPECT_GT(carried_cells, kTables / 10);
}

// Over many random parks: Protect1D keeps primary statuses, is not recoverable, and gives
// each primary cell its protection level: a confidential child can rise by at least
// ProtectionLevel (the total is suppressed, or the other suppressed children sum to it); a
// confidential total can fall by at least its level (its suppressed children sum to it).
TEST(Protect1DPropertyTest, RandomParksAreProtected) {
  std::mt19937 rng(7);
  for (int i = 0; i < kTables; ++i) {
    const Table t = RandomTable(rng);  // its first row is the park
    const Rules rules = RandomRules(rng);
    SCOPED_TRACE(testing::Message() << "park " << i << " rules\n" << FormatRules(rules));
    std::vector<CellInput> children;
    std::vector<Contributor> all;
    for (const std::string& c : t.cols) {
      const auto it = t.cells.find({t.rows[0], c});
      children.push_back(it != t.cells.end() ? it->second : CellInput{c, {}});
      all.insert(all.end(), children.back().contributors.begin(),
                 children.back().contributors.end());
    }
    const absl::StatusOr<Status1D> s = Protect1D("park", children, rules);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_FALSE(Recoverable(*s, Attack::kLinear));

    auto value = [](const std::vector<Contributor>& cs) {
      int64_t v = 0;
      for (const Contributor& x : cs) v += x.value;
      return v;
    };
    auto level = [&rules](const std::vector<Contributor>& cs) {
      return ProtectionLevel((*MergeContributors("x", cs))[0].value, rules);
    };
    int64_t suppressed_sum = 0;
    for (size_t k = 0; k < children.size(); ++k) {
      if (s->children[k].confidential) suppressed_sum += value(children[k].contributors);
    }
    for (size_t k = 0; k < children.size(); ++k) {
      const CellStatus p = *PrimaryStatus(children[k], rules);
      if (!p.confidential) continue;
      EXPECT_EQ(s->children[k], p);
      EXPECT_TRUE(s->total.confidential ||
                  suppressed_sum - value(children[k].contributors) >=
                      level(children[k].contributors))
          << children[k].id;
    }
    const CellStatus total = *PrimaryStatus(CellInput{"park", all}, rules);
    if (total.confidential) {
      EXPECT_EQ(s->total, total);
      if (value(all) >= level(all)) {
        EXPECT_GE(suppressed_sum, level(all));
      }
    }
  }
}

}  // namespace
}  // namespace cw::disclosure
