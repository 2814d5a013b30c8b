// Brute-force properties of Protect and Protect1D over many random small tables.
#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

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

// 1–4 rows × 1–4 columns; a cell is absent, empty, or has 1–5 entries, some of them by an
// enterprise already in the same row (one enterprise in several industries of a park).
Table RandomTable(std::mt19937& rng) {
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
        if (!in_row.empty() && std::uniform_int_distribution<int>(0, 5)(rng) == 0) {
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
// depend on row and column order.
TEST(ProtectPropertyTest, RandomTablesAreNotRecoverable) {
  std::mt19937 rng(20240611);
  int with_primary = 0;
  int with_secondary = 0;
  for (int i = 0; i < kTables; ++i) {
    const Table t = RandomTable(rng);
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
      if (p.structural_zero) EXPECT_FALSE(g.confidential) << id;
    }
    for (int n : SuppressedPerLine(t, *s)) EXPECT_NE(n, 1);
    EXPECT_THAT(RecoveredCells(*s, t, Attack::kSingleUnknown), testing::IsEmpty());
    EXPECT_THAT(RecoveredCells(*s, t, Attack::kLinear), testing::IsEmpty());
    if (!any_primary) EXPECT_FALSE(any_secondary);
    with_primary += any_primary;
    with_secondary += any_secondary;

    Table reordered = t;
    std::shuffle(reordered.rows.begin(), reordered.rows.end(), rng);
    std::shuffle(reordered.cols.begin(), reordered.cols.end(), rng);
    EXPECT_EQ(*Protect(reordered, rules), *s);
  }
  // The generator exercises the interesting cases.
  EXPECT_GT(with_primary, kTables / 2);
  EXPECT_GT(with_secondary, kTables / 4);
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
      if (value(all) >= level(all)) EXPECT_GE(suppressed_sum, level(all));
    }
  }
}

}  // namespace
}  // namespace cw::disclosure
