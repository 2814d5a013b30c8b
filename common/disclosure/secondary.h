// Secondary (complementary) suppression: chooses further cells to suppress so that no
// confidential cell can be derived from published totals and siblings, for a 1-D table (a
// total and its children: a park and its industries) and a 2-D table with margins (parks ×
// industries with park totals, region × industry totals and the region total).
// Pure functions over value types; thread-safe.
//
// Tables are additive and consistent by construction: a margin's value and contributors are
// the union of its cells' (entries of one enterprise id merged), and its primary status is
// computed from that union. Each table is protected on its own: if the same cell is also
// published in another table (e.g. park totals in a province table), both must be protected
// as one table, or the second publication can undo the first's protection.
//
// Model. Write the 2-D table with its margins as an (R+1) × (C+1) grid G, row R holding the
// column totals and column C the row totals. Its equations are the grid's lines: for each
// grid row, the cells sum to the cell in column C; for each grid column, the cells sum to the
// cell in row R. Every grid cell lies on exactly two lines, so the grid is a bipartite graph
// (lines = nodes, cells = edges), and a set S of suppressed cells can be solved for cell e by
// some linear combination of the equations exactly when e is a bridge of the subgraph S
// (its kernel is the cycle space). Hence:
//
// Algorithm (2-D). Suppress the primary-confidential cells; then, for each of them (largest
// protection level first, ties by id), find the cheapest cycle through it: a shortest path,
// Dijkstra over the grid graph without the cell itself, from its row line to its column
// line, where a suppressed cell costs 0 and a published cell costs its value (then one per
// new suppression), and only cells with value >= the cell's protection level are usable.
// Suppress the cells on that path (reason kSecondary). Absent cells and cells without
// contributors are structural zeros: known to be 0, never used. Repeat over all primary
// cells, and re-check that no suppressed cell is a bridge, until nothing changes. Margins
// are always in the search, so "suppress the total too" is what the search chooses when no
// interior cell is large enough. Ties between equal paths go to the row or column first in
// id order, so the result does not depend on the order of Table::rows/cols or contributors.
// On success every suppressed cell lies on a cycle of suppressed cells: every line has 0 or
// >= 2 suppressed cells, and no confidential cell is determined by any linear combination of
// published cells (not just by one subtraction). See attack.h for the independent check.
//
// Protection level (a simplification, stated): a confidential cell X whose largest
// enterprise has x1 needs P(X) = max(1, ceil(p · x1)) (ProtectionLevel). Every other cell on
// X's cycle has value >= P(X), so X can move by ±P(X) along the cycle (alternately adding
// and subtracting) while every cell stays >= 0: even an attacker who knows the equations and
// that values are non-negative cannot pin X closer than ±p·x1, so cannot estimate the largest
// enterprise within p%. This is stricter than the textbook upper protection level
// p·x1 − (T − x1 − x2). Such a cycle always exists through the margins when the cell's
// value is > 0 and no enterprise appears in several cells (margins contain the cell, so are
// at least as large). Otherwise it may not: a confidential cell of value 0 among zeros, or a
// margin whose largest enterprise is spread over several cells with a large p. Then the
// cheapest cycle of any cells is used: exact derivation is still prevented, the ±p·x1
// interval is not guaranteed.
//
// Algorithm (1-D). One equation, total = Σ children. A primary-confidential child X is
// protected when the total is suppressed or another suppressed child has value >= P(X); if
// not, the smallest published child with value >= P(X) is suppressed (ties by id), and if
// there is none, the total. A primary-confidential total is protected when the suppressed
// children sum to >= P(total): the smallest published child that closes the gap is added,
// else the largest, until it is. Adding suppressions only widens intervals, so one pass over
// the primary cells (largest protection level first) is stable.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/disclosure/primary.h"
#include "common/disclosure/rules.h"

namespace cw::disclosure {

// A 2-D table: `rows` (e.g. park codes) × `cols` (e.g. industry codes); `cells` keyed by
// (row, col). A (row, col) pair without an entry is a structural zero. Row, column and grand
// totals are derived from the cells.
struct Table {
  std::vector<std::string> rows;
  std::vector<std::string> cols;
  std::map<std::pair<std::string, std::string>, CellInput> cells;
  // Cells withheld in the previous period of a cumulative (year-to-date) series: each is
  // withheld here too (reason kCarried unless a primary rule fires) and protected like a
  // primary cell. Keys as `cells`, with "*" for a margin: (row, "*") a row total, ("*", col)
  // a column total, ("*", "*") the grand total. Keys naming no row or column of this table
  // are ignored (nothing of them is published here); a carried cell without contributors is
  // a structural zero and stays published as 0.
  //
  // Why: a department sees a published cell's year to date and its month, so a cell
  // withheld at p-1 and published at p gives YTD(p-1) = YTD(p) − month(p). Withheld sets
  // that only grow through the year leave no such pair (attack.h RecoveredAcrossPeriods).
  std::set<std::pair<std::string, std::string>> carried;
};


// The status of every cell of a table, absent ones included (structural zeros). Ids: a
// cell's CellInput::id, or "row/col" when it is absent or has an empty id; "row/*" for a row
// total, "*/col" for a column total, "*/*" for the grand total.
struct TableStatus {
  std::map<std::pair<std::string, std::string>, CellStatus> cells;
  std::map<std::string, CellStatus> row_totals;
  std::map<std::string, CellStatus> col_totals;
  CellStatus grand_total;
  friend bool operator==(const TableStatus&, const TableStatus&) = default;
};

// The cells of `status` that are withheld, as Table::carried keys (for the next period).
std::set<std::pair<std::string, std::string>> WithheldKeys(const TableStatus& status);

// Primary status of every cell and margin, then secondary suppression (2-D algorithm
// above). Fails with kInvalidArgument for invalid rules, a duplicate or empty row or column
// name, a cell keyed by a row or column not in `rows`/`cols`, or invalid contributors
// (MergeContributors), naming the row, column or cell; kInternal if no protecting cycle
// exists (impossible for consistent margins; nothing should then be published).
absl::StatusOr<TableStatus> Protect(const Table& table, const Rules& rules);

// The status of a 1-D table: the total and each child, in the order given.
struct Status1D {
  CellStatus total;
  std::vector<CellStatus> children;
  friend bool operator==(const Status1D&, const Status1D&) = default;
};

// A total with id `total_id` and `children` (e.g. a park's industries), total = Σ children
// with the total's contributors the union of the children's: primary status of each, then
// the 1-D secondary algorithm above. Fails with kInvalidArgument for invalid rules or
// contributors, naming the cell.
absl::StatusOr<Status1D> Protect1D(std::string_view total_id,
                                   const std::vector<CellInput>& children, const Rules& rules);

}  // namespace cw::disclosure
