#include "common/disclosure/secondary.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/disclosure/attack.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cw::disclosure {
namespace {

// A publishable status with only an id.
CellStatus Published(const std::string& id) {
  CellStatus s;
  s.id = id;
  return s;
}

// A cell whose enterprises are "<id>#1", "<id>#2", ... with `values`.
CellInput Cell(const std::string& id, const std::vector<int64_t>& values) {
  CellInput cell{id, {}};
  for (size_t i = 0; i < values.size(); ++i) {
    cell.contributors.push_back({id + "#" + std::to_string(i + 1), values[i]});
  }
  return cell;
}

// A table whose cell (rows[r], cols[c]) has enterprises with values[r][c]; an empty list
// leaves the cell absent (structural zero).
Table MakeTable(const std::vector<std::string>& rows, const std::vector<std::string>& cols,
                const std::vector<std::vector<std::vector<int64_t>>>& values) {
  Table t{rows, cols, {}};
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < cols.size(); ++c) {
      if (values[r][c].empty()) continue;
      t.cells[{rows[r], cols[c]}] = Cell(rows[r] + "/" + cols[c], values[r][c]);
    }
  }
  return t;
}

// The table's statuses as one letter each, row by row, margins after '|' and the column
// totals' row last: T threshold, D dominance, P p%, S secondary, 0 structural zero,
// . publishable. E.g. {"TS|.", "SS|.", "..|."}.
std::vector<std::string> Pattern(const Table& t, const TableStatus& s) {
  auto letter = [](const CellStatus& c) {
    if (c.structural_zero) return '0';
    switch (c.reason) {
      case Reason::kNone:
        return '.';
      case Reason::kThreshold:
        return 'T';
      case Reason::kDominance:
        return 'D';
      case Reason::kPPercent:
        return 'P';
      case Reason::kSecondary:
        return 'S';
    }
    return '?';
  };
  std::vector<std::string> out;
  for (const std::string& r : t.rows) {
    std::string line;
    for (const std::string& c : t.cols) line += letter(s.cells.at({r, c}));
    out.push_back(line + "|" + letter(s.row_totals.at(r)));
  }
  std::string line;
  for (const std::string& c : t.cols) line += letter(s.col_totals.at(c));
  out.push_back(line + "|" + letter(s.grand_total));
  return out;
}

std::vector<std::string> Pattern1D(const Status1D& s) {
  std::vector<std::string> out;
  for (const CellStatus& c : s.children) {
    out.push_back(c.id + ":" + (c.confidential ? std::string(ReasonName(c.reason)) : "-"));
  }
  out.push_back(s.total.id + ":" +
                (s.total.confidential ? std::string(ReasonName(s.total.reason)) : "-"));
  return out;
}

Status1D Protect1DOk(const std::vector<CellInput>& children, const Rules& rules = Rules{}) {
  absl::StatusOr<Status1D> s = Protect1D("P1", children, rules);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : Status1D{};
}

TableStatus ProtectOk(const Table& t, const Rules& rules = Rules{}) {
  absl::StatusOr<TableStatus> s = Protect(t, rules);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : TableStatus{};
}

// A park with one confidential industry: the smallest industry large enough to protect it
// (>= 10% of its largest enterprise, 50) is suppressed too, not the smaller one; nothing is
// recoverable, while the primary suppression alone would be.
TEST(Protect1DTest, OneConfidentialIndustryGetsComplement) {
  const std::vector<CellInput> park = {Cell("C13", {500, 300}), Cell("C26", {100, 100, 100}),
                                       Cell("C39", {40, 40, 40}), Cell("C14", {4, 3, 3})};
  const Status1D s = Protect1DOk(park);
  EXPECT_THAT(Pattern1D(s), testing::ElementsAre("C13:threshold", "C26:-", "C39:secondary",
                                                 "C14:-", "P1:-"));
  EXPECT_EQ(s.children[2], SecondaryStatus("C39"));
  EXPECT_FALSE(Recoverable(s, Attack::kSingleUnknown));
  EXPECT_FALSE(Recoverable(s, Attack::kLinear));
  Status1D primary_only = s;
  primary_only.children[2] = Published("C39");
  EXPECT_THAT(RecoveredCells(primary_only, Attack::kSingleUnknown),
              testing::ElementsAre("C13"));
}

// When no industry is large enough (30 < 50), the park total is suppressed instead.
TEST(Protect1DTest, NoComplementLargeEnoughSuppressesTotal) {
  const Rules rules{.dominance_k = 1.0};  // dominance off: keeps the total publishable
  const Status1D s = Protect1DOk(
      {Cell("C13", {500, 300}), Cell("C26", {10, 10, 10}), Cell("C39", {10, 10, 10})}, rules);
  EXPECT_THAT(Pattern1D(s),
              testing::ElementsAre("C13:threshold", "C26:-", "C39:-", "P1:secondary"));
  EXPECT_FALSE(Recoverable(s));
}

// Two confidential industries large enough to protect each other need no complement.
TEST(Protect1DTest, ConfidentialCellsProtectEachOther) {
  const Status1D s = Protect1DOk(
      {Cell("C13", {500, 300}), Cell("C26", {200, 100}), Cell("C39", {40, 40, 40})});
  EXPECT_THAT(Pattern1D(s),
              testing::ElementsAre("C13:threshold", "C26:threshold", "C39:-", "P1:-"));
  EXPECT_FALSE(Recoverable(s));
}

// A small confidential industry does not protect a large one (10 < 50): a complement is
// added for the large one, which in turn protects the small one.
TEST(Protect1DTest, SmallConfidentialCellIsNoProtection) {
  const Status1D s = Protect1DOk({Cell("C13", {500, 300}), Cell("C14", {10}),
                                  Cell("C26", {100, 100, 100}), Cell("C39", {40, 40, 40})});
  EXPECT_THAT(Pattern1D(s), testing::ElementsAre("C13:threshold", "C14:threshold", "C26:-",
                                                 "C39:secondary", "P1:-"));
}

// A park with one industry: the total equals it and shares its status; both stay
// suppressed, the structural-zero industry is published.
TEST(Protect1DTest, SingleIndustryPark) {
  const Status1D s = Protect1DOk({Cell("C13", {500, 300}), CellInput{"C26", {}}});
  EXPECT_THAT(Pattern1D(s), testing::ElementsAre("C13:threshold", "C26:-", "P1:threshold"));
  EXPECT_TRUE(s.children[1].structural_zero);
  EXPECT_FALSE(Recoverable(s));
}

// A confidential total with confidential children: suppressed children cover it.
TEST(Protect1DTest, ConfidentialTotal) {
  const Status1D s = Protect1DOk(
      {Cell("C13", {100, 100, 100}), Cell("C26", {50, 50, 50})}, Rules{.n_min = 7});
  EXPECT_THAT(Pattern1D(s),
              testing::ElementsAre("C13:threshold", "C26:threshold", "P1:threshold"));
  EXPECT_FALSE(Recoverable(s));
}

// Nothing confidential: nothing suppressed; an empty park is a structural zero.
TEST(Protect1DTest, NothingConfidential) {
  EXPECT_THAT(Pattern1D(Protect1DOk({Cell("C13", {100, 100, 100}), Cell("C26", {5, 5, 5})})),
              testing::ElementsAre("C13:-", "C26:-", "P1:-"));
  const Status1D empty = Protect1DOk({});
  EXPECT_TRUE(empty.total.structural_zero);
  EXPECT_FALSE(empty.total.confidential);
}

// Bad contributors and rules are reported naming the cell.
TEST(Protect1DTest, InvalidInput) {
  EXPECT_EQ(Protect1D("P1", {CellInput{"C13", {{"a", -5}}}}, Rules{}).status(),
            absl::InvalidArgumentError(
                "cell 'C13': contributor 'a' has a negative value (expected >= 0)"));
  EXPECT_EQ(Protect1D("P1", {}, Rules{.p = 2}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// 2×2: one threshold cell is protected by the other three interior cells (the cheapest
// cycle, 180); the margins stay published.
TEST(ProtectTest, TwoByTwo) {
  const Table t = MakeTable({"p1", "p2"}, {"i1", "i2"},
                            {{{50, 40}, {30, 30, 30}}, {{20, 20, 20}, {10, 10, 10}}});
  const TableStatus s = ProtectOk(t);
  EXPECT_THAT(Pattern(t, s), testing::ElementsAre("TS|.", "SS|.", "..|."));
  EXPECT_EQ(s.cells.at({"p2", "i2"}), SecondaryStatus("p2/i2"));
  EXPECT_EQ(s.row_totals.at("p1").id, "p1/*");
  EXPECT_EQ(s.col_totals.at("i1").id, "*/i1");
  EXPECT_EQ(s.grand_total.id, "*/*");
  EXPECT_FALSE(Recoverable(s, t, Attack::kSingleUnknown));
  EXPECT_FALSE(Recoverable(s, t, Attack::kLinear));
}

// 4 parks × 3 industries: three threshold cells, suppressions propagate across rows and
// columns. P1/C13 (protection 90) takes the cheapest rectangle P1/C39 + P3/C39 + P3/C13
// (750 < 900 via the confidential P2/C26); P2/C26 then takes P2/C39 + P3/C26 (510, reusing
// P3/C39); P4/C39 takes P4/C13 (900, closing a cycle through P3/C13 and P3/C39). Every row
// and column has 0 or >= 2 suppressed cells, margins are published, nothing is recoverable.
TEST(ProtectTest, FourParksThreeIndustriesPropagates) {
  const Table t = MakeTable({"P1", "P2", "P3", "P4"}, {"C13", "C26", "C39"},
                            {{{900, 50}, {100, 100, 100}, {60, 60, 60}},
                             {{200, 200, 200}, {400, 300}, {80, 80, 80}},
                             {{150, 150, 150}, {90, 90, 90}, {40, 40, 40}},
                             {{300, 300, 300}, {500, 500, 500}, {70, 60}}});
  const TableStatus s = ProtectOk(t);
  EXPECT_THAT(Pattern(t, s),
              testing::ElementsAre("T.S|.", ".TS|.", "SSS|.", "S.T|.", "...|."));
  EXPECT_FALSE(Recoverable(s, t, Attack::kSingleUnknown));
  EXPECT_FALSE(Recoverable(s, t, Attack::kLinear));
  // The primary pattern alone gives every threshold cell away.
  TableStatus primary_only = s;
  for (auto& [key, status] : primary_only.cells) {
    if (status.reason == Reason::kSecondary) status = Published(status.id);
  }
  EXPECT_THAT(RecoveredCells(primary_only, t, Attack::kSingleUnknown),
              testing::ElementsAre("P1/C13", "P2/C26", "P4/C39"));
}

// Complements must be large enough: the 15-valued cells would make the cheapest rectangle
// (330) but are below the protection level 50, so the 300/600 column is used.
TEST(ProtectTest, ComplementsBelowProtectionLevelAreNotUsed) {
  const Table t = MakeTable({"p1", "p2"}, {"i1", "i2", "i3"},
                            {{{500, 300}, {5, 5, 5}, {100, 100, 100}},
                             {{100, 100, 100}, {5, 5, 5}, {200, 200, 200}}});
  const TableStatus s = ProtectOk(t);
  EXPECT_THAT(Pattern(t, s), testing::ElementsAre("T.S|.", "S.S|.", "...|."));
  // With p = 0 (protection level 1) the small cells are the cheapest complements.
  EXPECT_THAT(Pattern(t, ProtectOk(t, Rules{.p = 0})),
              testing::ElementsAre("TS.|.", "SS.|.", "...|."));
}

// No interior cell is large enough (every other cell is 30 < 50): the cycle closes through
// the totals — the park's total, the grand total and the industry's total.
TEST(ProtectTest, NoInteriorComplementSuppressesTotals) {
  const std::vector<int64_t> small = {10, 10, 10};
  const Table t = MakeTable({"p1", "p2", "p3"}, {"i1", "i2", "i3"},
                            {{{500, 300}, small, small}, {small, small, small},
                             {small, small, small}});
  const Rules rules{.dominance_k = 1.0};  // dominance off: keeps the margins publishable
  const TableStatus s = ProtectOk(t, rules);
  EXPECT_THAT(Pattern(t, s), testing::ElementsAre("T..|S", "...|.", "...|.", "S..|S"));
  EXPECT_FALSE(Recoverable(s, t));
  EXPECT_FALSE(Recoverable(s, t, Attack::kSingleUnknown));
}

// A park with a single industry: its total is confidential by the same rule; the cheapest
// cycle goes through another park's total and cell. Structural zeros stay published.
TEST(ProtectTest, SingleCellRowSharesStatusWithTotal) {
  const Table t = MakeTable({"p1", "p2", "p3"}, {"i1", "i2"},
                            {{{50, 40}, {}}, {{20, 20, 20}, {10, 10, 10}},
                             {{30, 30, 30}, {5, 5, 5}}});
  const TableStatus s = ProtectOk(t);
  EXPECT_THAT(Pattern(t, s), testing::ElementsAre("T0|T", "S.|S", "..|.", "..|."));
  EXPECT_EQ(s.cells.at({"p1", "i2"}).id, "p1/i2");
  EXPECT_FALSE(Recoverable(s, t));
}

// A margin's primary status is computed from the union of its cells with one enterprise's
// entries merged: the same 3 enterprises in both industries make a park total of 3
// enterprises (< 4), not 6.
TEST(ProtectTest, MarginMergesEnterprisesAcrossCells) {
  Table t{{"p1", "p2"}, {"i1", "i2"}, {}};
  t.cells[{"p1", "i1"}] = CellInput{"a", {{"e1", 100}, {"e2", 100}, {"e3", 100}}};
  t.cells[{"p1", "i2"}] = CellInput{"b", {{"e1", 100}, {"e2", 100}, {"e3", 100}}};
  t.cells[{"p2", "i1"}] = Cell("c", {300, 300, 300, 300});
  t.cells[{"p2", "i2"}] = Cell("d", {300, 300, 300, 300});
  const TableStatus s = ProtectOk(t, Rules{.n_min = 4});
  EXPECT_EQ(s.row_totals.at("p1").reason, Reason::kThreshold);
  EXPECT_EQ(s.row_totals.at("p1").explanation_en,
            "3 enterprises, fewer than 4 (threshold rule)");
  EXPECT_THAT(Pattern(t, s), testing::ElementsAre("TT|T", "SS|S", "..|."));
  EXPECT_FALSE(Recoverable(s, t));
  EXPECT_FALSE(Recoverable(s, t, Attack::kSingleUnknown));
}

// Nothing confidential: nothing is suppressed.
TEST(ProtectTest, NothingConfidential) {
  const Table t = MakeTable({"p1", "p2"}, {"i1", "i2"},
                            {{{30, 30, 30}, {30, 30, 30}}, {{20, 20, 20}, {}}});
  EXPECT_THAT(Pattern(t, ProtectOk(t)), testing::ElementsAre("..|.", ".0|.", "..|."));
}

// The result does not depend on the order of rows, columns or contributors, and repeats.
TEST(ProtectTest, Deterministic) {
  const Table t = MakeTable({"P1", "P2", "P3", "P4"}, {"C13", "C26", "C39"},
                            {{{900, 50}, {100, 100, 100}, {60, 60, 60}},
                             {{200, 200, 200}, {400, 300}, {80, 80, 80}},
                             {{150, 150, 150}, {90, 90, 90}, {40, 40, 40}},
                             {{300, 300, 300}, {500, 500, 500}, {70, 60}}});
  const TableStatus first = ProtectOk(t);
  EXPECT_EQ(ProtectOk(t), first);
  Table shuffled = t;
  shuffled.rows = {"P3", "P1", "P4", "P2"};
  shuffled.cols = {"C39", "C13", "C26"};
  for (auto& [key, cell] : shuffled.cells) {
    std::reverse(cell.contributors.begin(), cell.contributors.end());
  }
  EXPECT_EQ(ProtectOk(shuffled), first);
}

// Ties between equally cheap complements go to the first row and column in id order.
TEST(ProtectTest, TiesByIdOrder) {
  const Table t = MakeTable({"p1", "p2", "p3"}, {"i1", "i2", "i3"},
                            {{{50, 40}, {10, 10, 10}, {10, 10, 10}},
                             {{10, 10, 10}, {10, 10, 10}, {10, 10, 10}},
                             {{10, 10, 10}, {10, 10, 10}, {10, 10, 10}}});
  const TableStatus s = ProtectOk(t);
  EXPECT_THAT(Pattern(t, s), testing::ElementsAre("TS.|.", "SS.|.", "...|.", "...|."));
  Table renamed = t;  // p3 sorts first now: the rectangle moves to it
  renamed.rows = {"p1", "p2", "p0"};
  renamed.cells.clear();
  for (const auto& [key, cell] : t.cells) {
    renamed.cells[{key.first == "p3" ? "p0" : key.first, key.second}] = cell;
  }
  EXPECT_THAT(Pattern(renamed, ProtectOk(renamed)),
              testing::ElementsAre("TS.|.", "...|.", "SS.|.", "...|."));
}

// Table errors name the offending row, column or cell.
TEST(ProtectTest, InvalidTables) {
  Table t = MakeTable({"p1", "p1"}, {"i1"}, {{{1, 2, 3}}, {{}}});
  EXPECT_EQ(Protect(t, Rules{}).status(),
            absl::InvalidArgumentError("table lists row 'p1' twice (expected each row once)"));
  t = MakeTable({"p1"}, {"i1"}, {{{1, 2, 3}}});
  t.cells[{"p1", "i9"}] = Cell("x", {1});
  EXPECT_EQ(Protect(t, Rules{}).status(),
            absl::InvalidArgumentError(
                "cell (p1, i9) names column 'i9', which is not in the table's columns"));
  t = MakeTable({"p1"}, {""}, {{{1, 2, 3}}});
  EXPECT_EQ(Protect(t, Rules{}).status(),
            absl::InvalidArgumentError(
                "table has an empty column name (expected a park or industry code)"));
  t = MakeTable({"p1"}, {"i1"}, {{{1, 2, 3}}});
  t.cells[{"p1", "i1"}].contributors[1].value = -2;
  EXPECT_EQ(Protect(t, Rules{}).status(),
            absl::InvalidArgumentError(
                "cell 'p1/i1': contributor 'p1/i1#2' has a negative value (expected >= 0)"));
  EXPECT_EQ(Protect(t, Rules{.dominance_n = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// An empty table has only its grand total, a structural zero.
TEST(ProtectTest, EmptyTable) {
  const TableStatus s = ProtectOk(Table{});
  EXPECT_TRUE(s.cells.empty());
  EXPECT_TRUE(s.grand_total.structural_zero);
  EXPECT_FALSE(s.grand_total.confidential);
}

}  // namespace
}  // namespace cw::disclosure
