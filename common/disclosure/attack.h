// An independent check of a suppression pattern: which confidential cells a recipient can
// still derive exactly from the published cells and the table's additivity. Used by tests
// and audits of Protect/Protect1D (secondary.h), written without its graph reasoning.
// Pure functions; thread-safe.
//
// Attack model. The recipient knows every published cell's value, that absent cells and
// cells without contributors are 0, and the equations of the table: for a 2-D table with
// margins, each row sums to its row total, each column to its column total, the row totals
// and the column totals each to the grand total; for a 1-D table, the children sum to the
// total. Two attacks:
//   - kSingleUnknown: repeatedly solve any equation with exactly one unknown cell, treat the
//     cell as known, until a fixed point ("single-unknown elimination", the subtraction
//     attack of a reader with a calculator);
//   - kLinear: any linear combination of the equations. A cell is derived when the unit
//     vector of that cell lies in the row space of the equations restricted to the unknown
//     cells, decided by Gauss–Jordan elimination modulo the prime 2^31 − 1. The equation
//     matrix is a signed incidence matrix (totally unimodular), so its ranks, and hence the
//     answer, are the same as over the rationals. It catches patterns single-unknown
//     elimination misses, e.g. two suppressed rectangles joined by one suppressed cell.
// Not modelled: bounds from non-negativity (intervals rather than exact values); those are
// what the protection level of secondary.h addresses.
#pragma once

#include <string>
#include <vector>

#include "common/disclosure/secondary.h"

namespace cw::disclosure {

enum class Attack { kSingleUnknown, kLinear };

// The ids of the confidential cells (interior, margins, grand total) of `table` that
// `attack` derives exactly, in grid order (rows, then the column totals' row, each by column
// then the row total). A cell of `table` without an entry in `status` counts as published.
std::vector<std::string> RecoveredCells(const TableStatus& status, const Table& table,
                                        Attack attack);

// Whether any confidential cell of `table` is derived exactly by `attack`.
bool Recoverable(const TableStatus& status, const Table& table,
                 Attack attack = Attack::kLinear);

// The ids of the confidential cells of a 1-D table (children in order, then the total) that
// `attack` derives (both attacks agree on a single equation: exactly one unknown).
std::vector<std::string> RecoveredCells(const Status1D& status, Attack attack);

bool Recoverable(const Status1D& status, Attack attack = Attack::kLinear);

// The same attacks on the periods of one cumulative series (a year's year-to-date tables,
// in order), each published with `status`, where the recipient also sees each published
// cell's period value (month = YTD(q) − YTD(q−1), margins included): the equations of every
// period's table plus, for every cell and period, YTD(q) − YTD(q−1) − month(q) = 0, with
// month(q) known exactly when the cell is published at q. Returns "q:<cell id>" for each
// confidential year-to-date cell derived and "q:<cell id> (month)" for each withheld
// period value derived. Catches what one period alone cannot show: a cell withheld at q−1
// and published at q gives YTD(q−1) = YTD(q) − month(q).
std::vector<std::string> RecoveredAcrossPeriods(
    const std::vector<std::pair<Table, TableStatus>>& periods, Attack attack = Attack::kLinear);

}  // namespace cw::disclosure
