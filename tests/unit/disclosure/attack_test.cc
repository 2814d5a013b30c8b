#include "common/disclosure/attack.h"

#include <cstdint>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cw::disclosure {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A publishable status with only an id.
CellStatus Published(const std::string& id) {
  CellStatus s;
  s.id = id;
  return s;
}

// A rows × cols table, every cell present with three enterprises, and its all-published
// status; Suppress() then marks cells confidential by hand.
struct Fixture {
  Table table;
  TableStatus status;

  Fixture(const std::vector<std::string>& rows, const std::vector<std::string>& cols) {
    table.rows = rows;
    table.cols = cols;
    for (const std::string& r : rows) {
      for (const std::string& c : cols) {
        const std::string id = r + "/" + c;
        table.cells[{r, c}] = CellInput{id, {{id + "#1", 1}, {id + "#2", 1}, {id + "#3", 1}}};
        status.cells[{r, c}] = Published(id);
      }
      status.row_totals[r] = Published(r + "/*");
    }
    for (const std::string& c : cols) status.col_totals[c] = Published("*/" + c);
    status.grand_total = Published("*/*");
  }

  void Suppress(const std::string& r, const std::string& c) {
    CellStatus* s = r == "*"   ? (c == "*" ? &status.grand_total : &status.col_totals[c])
                    : c == "*" ? &status.row_totals[r]
                               : &status.cells[{r, c}];
    s->confidential = true;
    s->reason = Reason::kThreshold;
  }
};

// Nothing suppressed: nothing to recover.
TEST(RecoverableTest, NothingSuppressed) {
  Fixture f({"r1", "r2"}, {"c1", "c2"});
  EXPECT_FALSE(Recoverable(f.status, f.table, Attack::kSingleUnknown));
  EXPECT_FALSE(Recoverable(f.status, f.table, Attack::kLinear));
}

// One suppressed cell is the single unknown of its row: both attacks recover it.
TEST(RecoverableTest, SingleSuppressionIsRecovered) {
  Fixture f({"r1", "r2"}, {"c1", "c2"});
  f.Suppress("r1", "c1");
  EXPECT_THAT(RecoveredCells(f.status, f.table, Attack::kSingleUnknown), ElementsAre("r1/c1"));
  EXPECT_THAT(RecoveredCells(f.status, f.table, Attack::kLinear), ElementsAre("r1/c1"));
  EXPECT_TRUE(Recoverable(f.status, f.table));
}

// Two cells in one row but different columns: each is its column's single unknown.
TEST(RecoverableTest, PairInOneRowIsRecovered) {
  Fixture f({"r1", "r2"}, {"c1", "c2"});
  f.Suppress("r1", "c1");
  f.Suppress("r1", "c2");
  EXPECT_THAT(RecoveredCells(f.status, f.table, Attack::kSingleUnknown),
              ElementsAre("r1/c1", "r1/c2"));
}

// A rectangle (four cells, two rows, two columns) is safe from both attacks.
TEST(RecoverableTest, RectangleIsSafe) {
  Fixture f({"r1", "r2", "r3"}, {"c1", "c2", "c3"});
  f.Suppress("r1", "c1");
  f.Suppress("r1", "c3");
  f.Suppress("r3", "c1");
  f.Suppress("r3", "c3");
  EXPECT_THAT(RecoveredCells(f.status, f.table, Attack::kSingleUnknown), IsEmpty());
  EXPECT_THAT(RecoveredCells(f.status, f.table, Attack::kLinear), IsEmpty());
}

// Elimination propagates: in an L of three cells the ends are each alone in a line, and
// once they are known the corner is alone in its row.
TEST(RecoverableTest, EliminationPropagates) {
  Fixture f({"r1", "r2"}, {"c1", "c2"});
  f.Suppress("r1", "c1");
  f.Suppress("r1", "c2");
  f.Suppress("r2", "c1");
  EXPECT_THAT(RecoveredCells(f.status, f.table, Attack::kSingleUnknown),
              ElementsAre("r1/c1", "r1/c2", "r2/c1"));
  // A cell with its row total and the grand total: the same by way of the margins.
  Fixture g({"r1", "r2"}, {"c1", "c2"});
  g.Suppress("r1", "c1");
  g.Suppress("r1", "*");
  g.Suppress("*", "*");
  EXPECT_THAT(RecoveredCells(g.status, g.table, Attack::kSingleUnknown),
              ElementsAre("r1/c1", "r1/*", "*/*"));
}

// Two suppressed rectangles joined by one cell: every row and column has >= 2 unknowns, so
// single-unknown elimination finds nothing, but the sum of the first rectangle's rows minus
// its columns gives the joining cell. Only the linear attack finds it.
TEST(RecoverableTest, LinearAttackFindsBridge) {
  Fixture f({"r1", "r2", "r3", "r4"}, {"c1", "c2", "c3", "c4"});
  for (const char* r : {"r1", "r2"}) {
    for (const char* c : {"c1", "c2"}) f.Suppress(r, c);
  }
  for (const char* r : {"r3", "r4"}) {
    for (const char* c : {"c3", "c4"}) f.Suppress(r, c);
  }
  f.Suppress("r2", "c3");
  EXPECT_THAT(RecoveredCells(f.status, f.table, Attack::kSingleUnknown), IsEmpty());
  EXPECT_THAT(RecoveredCells(f.status, f.table, Attack::kLinear), ElementsAre("r2/c3"));
  // A second joining cell closes a cycle through both: nothing is recoverable.
  f.Suppress("r3", "c2");
  EXPECT_THAT(RecoveredCells(f.status, f.table, Attack::kLinear), IsEmpty());
}

// Absent cells are known zeros: a suppressed cell whose row partner is absent is recovered.
TEST(RecoverableTest, AbsentCellsAreKnownZeros) {
  Fixture f({"r1", "r2"}, {"c1", "c2"});
  f.Suppress("r1", "c1");
  f.Suppress("r1", "c2");
  f.Suppress("r2", "c1");
  f.Suppress("r2", "c2");
  EXPECT_FALSE(Recoverable(f.status, f.table));
  f.table.cells.erase({"r2", "c2"});  // r2/c2 is now a structural zero
  EXPECT_THAT(RecoveredCells(f.status, f.table, Attack::kSingleUnknown),
              ElementsAre("r1/c1", "r1/c2", "r2/c1"));
}

// A cell without a status counts as published (the conservative reading).
TEST(RecoverableTest, MissingStatusCountsAsPublished) {
  Fixture f({"r1", "r2"}, {"c1", "c2"});
  f.Suppress("r1", "c1");
  f.Suppress("r1", "c2");
  f.status.cells.erase({"r1", "c2"});
  EXPECT_THAT(RecoveredCells(f.status, f.table, Attack::kLinear), ElementsAre("r1/c1"));
}

// 1-D: one unknown in the equation is recovered, two are not.
TEST(RecoverableTest, OneDimensional) {
  Status1D s{Published("P1"),
             {Published("a"), Published("b"), Published("c")}};
  EXPECT_FALSE(Recoverable(s));
  s.children[1].confidential = true;
  EXPECT_THAT(RecoveredCells(s, Attack::kSingleUnknown), ElementsAre("b"));
  EXPECT_THAT(RecoveredCells(s, Attack::kLinear), ElementsAre("b"));
  s.total.confidential = true;
  EXPECT_FALSE(Recoverable(s, Attack::kSingleUnknown));
  EXPECT_FALSE(Recoverable(s, Attack::kLinear));
}

}  // namespace
}  // namespace cw::disclosure

namespace cw::disclosure {
namespace {

// Year to date of a 2 × 2 table over two periods. P1/A has one dominant enterprise in
// January (confidential by dominance) and three balanced ones by February (publishable on
// its own): protected period by period, a department subtracts February's month from
// February's year to date and has January's withheld cell.
std::vector<std::pair<Table, TableStatus>> TwoPeriods(bool carry) {
  const Rules rules;  // defaults: n_min 3, dominance 2 × 0.85, p 0.1
  auto table = [](int64_t a1, int64_t a2, int64_t a3) {
    Table t;
    t.rows = {"P1", "P2"};
    t.cols = {"A", "B"};
    t.cells[{"P1", "A"}] = {"P1|A", {{"a1", a1}, {"a2", a2}, {"a3", a3}}};
    t.cells[{"P1", "B"}] = {"P1|B", {{"b1", 400}, {"b2", 300}, {"b3", 300}}};
    t.cells[{"P2", "A"}] = {"P2|A", {{"c1", 500}, {"c2", 400}, {"c3", 300}}};
    t.cells[{"P2", "B"}] = {"P2|B", {{"d1", 600}, {"d2", 500}, {"d3", 400}}};
    return t;
  };
  std::vector<std::pair<Table, TableStatus>> periods;
  Table jan = table(1000, 10, 10);
  periods.emplace_back(jan, *Protect(jan, rules));
  Table feb = table(1100, 900, 900);
  if (carry) feb.carried = WithheldKeys(periods[0].second);
  periods.emplace_back(feb, *Protect(feb, rules));
  return periods;
}

TEST(RecoveredAcrossPeriodsTest, ACellWithheldThenPublishedIsRecoveredWithoutCarrying) {
  const auto periods = TwoPeriods(false);
  ASSERT_TRUE(periods[0].second.cells.at({"P1", "A"}).confidential);
  ASSERT_FALSE(periods[1].second.cells.at({"P1", "A"}).confidential);
  // Each period alone is protected ...
  EXPECT_THAT(RecoveredCells(periods[0].second, periods[0].first, Attack::kLinear), IsEmpty());
  EXPECT_THAT(RecoveredCells(periods[1].second, periods[1].first, Attack::kLinear), IsEmpty());
  // ... the two together are not: January's P1|A and its complements come back.
  const auto recovered = RecoveredAcrossPeriods(periods, Attack::kLinear);
  EXPECT_THAT(recovered, ::testing::Contains("0:P1|A"));
  EXPECT_THAT(RecoveredAcrossPeriods(periods, Attack::kSingleUnknown),
              ::testing::Contains("0:P1|A"));
}

TEST(RecoveredAcrossPeriodsTest, CarriedSuppressionsLeaveNothingToRecover) {
  const auto periods = TwoPeriods(true);
  const CellStatus& a = periods[1].second.cells.at({"P1", "A"});
  EXPECT_TRUE(a.confidential);
  EXPECT_EQ(a.reason, Reason::kCarried);
  EXPECT_EQ(a.id, "P1|A");
  // Everything withheld in January is withheld in February.
  for (const auto& key : WithheldKeys(periods[0].second)) {
    EXPECT_TRUE(WithheldKeys(periods[1].second).contains(key)) << key.first << "/" << key.second;
  }
  EXPECT_THAT(RecoveredAcrossPeriods(periods, Attack::kLinear), IsEmpty());
  EXPECT_THAT(RecoveredAcrossPeriods(periods, Attack::kSingleUnknown), IsEmpty());
}

// Withheld period values are reported too: January withheld, February published whole, so
// every January cell and its January month (= its year to date) follow.
TEST(RecoveredAcrossPeriodsTest, ReportsDerivedMonths) {
  Fixture jan({"r1", "r2"}, {"c1", "c2"});
  jan.Suppress("r1", "c1");
  jan.Suppress("r1", "c2");
  jan.Suppress("r2", "c1");
  jan.Suppress("r2", "c2");
  Fixture feb({"r1", "r2"}, {"c1", "c2"});  // all published
  const auto recovered =
      RecoveredAcrossPeriods({{jan.table, jan.status}, {feb.table, feb.status}}, Attack::kLinear);
  EXPECT_THAT(recovered, ::testing::Contains("0:r1/c1"));
  EXPECT_THAT(recovered, ::testing::Contains("0:r1/c1 (month)"));
  EXPECT_EQ(recovered.size(), 8u);
}

}  // namespace
}  // namespace cw::disclosure
