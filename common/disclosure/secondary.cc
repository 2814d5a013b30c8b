// Secondary (complementary) suppression. See secondary.h for the model and the algorithm.
#include "common/disclosure/secondary.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace cw::disclosure {
namespace {

// The position of `name` in the sorted `names`.
std::optional<int> Index(const std::vector<std::string>& names, const std::string& name) {
  auto it = std::lower_bound(names.begin(), names.end(), name);
  if (it == names.end() || *it != name) return std::nullopt;
  return static_cast<int>(it - names.begin());
}

// One cell of a table (interior, margin or the total) as the suppression algorithms see it.
struct Item {
  std::string id;
  std::vector<Contributor> merged;  // MergeContributors order: largest first
  int64_t value = 0;
  int64_t protection = 0;  // ProtectionLevel; meaningful for confidential cells
  CellStatus status;
  bool structural() const { return merged.empty(); }
  bool primary() const { return status.confidential && status.reason != Reason::kSecondary; }
};

// Fills `item` from `id` and `contributors` (merging, primary status, protection level).
absl::Status Fill(std::string id, const std::vector<Contributor>& contributors,
                  const Rules& rules, Item& item) {
  absl::StatusOr<std::vector<Contributor>> merged = MergeContributors(id, contributors);
  if (!merged.ok()) return merged.status();
  item.id = std::move(id);
  item.merged = *std::move(merged);
  item.value = 0;
  for (const Contributor& c : item.merged) item.value += c.value;  // fits: checked by merge
  absl::StatusOr<CellStatus> status = PrimaryStatus(CellInput{item.id, item.merged}, rules);
  if (!status.ok()) return status.status();
  item.status = *std::move(status);
  item.protection = ProtectionLevel(item.merged.empty() ? 0 : item.merged[0].value, rules);
  return absl::OkStatus();
}

void Suppress(Item& item) {
  if (!item.status.confidential) item.status = SecondaryStatus(item.id);
}

// The (R+1) × (C+1) grid of a 2-D table with its margins, as a bipartite graph: node r in
// [0, R] is grid row r, node R+1+c is grid column c in [0, C]; cell (r, c) is an edge.
class Grid {
 public:
  Grid(int rows, int cols)
      : rows_(rows), cols_(cols), items_(static_cast<size_t>(rows + 1) * (cols + 1)) {}

  int rows() const { return rows_; }  // R: index of the margin row
  int cols() const { return cols_; }  // C: index of the margin column
  Item& at(int r, int c) { return items_[static_cast<size_t>(r) * (cols_ + 1) + c]; }
  const Item& at(int r, int c) const { return items_[static_cast<size_t>(r) * (cols_ + 1) + c]; }

  // The cells of the cheapest path from grid row `r` to grid column `c` that avoids cell
  // (r, c) and uses only non-structural cells with value >= `min_value` (cost: value sum of
  // the published cells on it, then their number; suppressed cells are free); nullopt when
  // there is none. Adding them closes a cycle through (r, c).
  std::optional<std::vector<std::pair<int, int>>> CheapestPath(int r, int c,
                                                               int64_t min_value) const {
    const int nodes = rows_ + 1 + cols_ + 1;
    using Cost = std::pair<__int128, int>;
    std::vector<std::optional<Cost>> dist(nodes);
    std::vector<std::pair<int, int>> via(nodes, {-1, -1});  // cell that reached the node
    std::vector<bool> done(nodes, false);
    using Entry = std::tuple<__int128, int, int>;  // cost, new cells, node
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue;
    const int source = r;
    const int target = rows_ + 1 + c;
    dist[source] = Cost{0, 0};
    queue.emplace(0, 0, source);
    while (!queue.empty()) {
      const auto [cost, count, node] = queue.top();
      queue.pop();
      if (done[node]) continue;
      done[node] = true;
      if (node == target) break;
      const bool is_row = node <= rows_;
      const int n_other = is_row ? cols_ + 1 : rows_ + 1;
      for (int k = 0; k < n_other; ++k) {
        const int cr = is_row ? node : k;
        const int cc = is_row ? k : node - rows_ - 1;
        if (cr == r && cc == c) continue;
        const Item& item = at(cr, cc);
        if (item.structural() || item.value < min_value) continue;
        const int next = is_row ? rows_ + 1 + k : k;
        if (done[next]) continue;
        const bool suppressed = item.status.confidential;
        const Cost candidate{cost + (suppressed ? 0 : item.value), count + (suppressed ? 0 : 1)};
        if (!dist[next] || candidate < *dist[next]) {
          dist[next] = candidate;
          via[next] = {cr, cc};
          queue.emplace(candidate.first, candidate.second, next);
        }
      }
    }
    if (!dist[target]) return std::nullopt;
    std::vector<std::pair<int, int>> path;
    for (int node = target; node != source;) {
      const auto [cr, cc] = via[node];
      path.emplace_back(cr, cc);
      node = node <= rows_ ? rows_ + 1 + cc : cr;  // the cell's other end
    }
    return path;
  }

  // Whether suppressed cell (r, c) is a bridge of the suppressed cells: its row and column
  // are not connected through other suppressed cells, so some linear combination of the
  // published cells gives its value.
  bool IsBridge(int r, int c) const {
    const int nodes = rows_ + 1 + cols_ + 1;
    std::vector<bool> seen(nodes, false);
    std::vector<int> stack = {r};
    seen[r] = true;
    while (!stack.empty()) {
      const int node = stack.back();
      stack.pop_back();
      if (node == rows_ + 1 + c) return false;
      const bool is_row = node <= rows_;
      const int n_other = is_row ? cols_ + 1 : rows_ + 1;
      for (int k = 0; k < n_other; ++k) {
        const int cr = is_row ? node : k;
        const int cc = is_row ? k : node - rows_ - 1;
        if ((cr == r && cc == c) || !at(cr, cc).status.confidential) continue;
        const int next = is_row ? rows_ + 1 + k : k;
        if (!seen[next]) {
          seen[next] = true;
          stack.push_back(next);
        }
      }
    }
    return true;
  }

 private:
  int rows_;
  int cols_;
  std::vector<Item> items_;
};

// Suppresses the cells of the cheapest protecting cycle of (r, c) that are not yet
// suppressed; `min_value` as in CheapestPath, falling back to 0. Returns whether anything
// changed, or kInternal if no cycle exists.
absl::StatusOr<bool> CloseCycle(Grid& grid, int r, int c, int64_t min_value) {
  std::optional<std::vector<std::pair<int, int>>> path = grid.CheapestPath(r, c, min_value);
  if (!path && min_value > 0) path = grid.CheapestPath(r, c, 0);
  if (!path) {
    return absl::InternalError(absl::StrFormat(
        "no complementary suppression can protect cell '%s' (the table's margins are not "
        "consistent with its cells); publish nothing from this table",
        grid.at(r, c).id));
  }
  bool changed = false;
  for (const auto& [cr, cc] : *path) {
    Item& item = grid.at(cr, cc);
    if (!item.status.confidential) {
      Suppress(item);
      changed = true;
    }
  }
  return changed;
}

absl::Status CheckNames(const std::vector<std::string>& names, std::string_view what) {
  std::set<std::string_view> seen;
  for (const std::string& name : names) {
    if (name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("table has an empty %s name (expected a park or industry code)", what));
    }
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "table lists %s '%s' twice (expected each %s once)", what, name, what));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::set<std::pair<std::string, std::string>> WithheldKeys(const TableStatus& status) {
  std::set<std::pair<std::string, std::string>> keys;
  for (const auto& [key, cell] : status.cells) {
    if (cell.confidential) keys.insert(key);
  }
  for (const auto& [row, cell] : status.row_totals) {
    if (cell.confidential) keys.insert({row, "*"});
  }
  for (const auto& [col, cell] : status.col_totals) {
    if (cell.confidential) keys.insert({"*", col});
  }
  if (status.grand_total.confidential) keys.insert({"*", "*"});
  return keys;
}

absl::StatusOr<TableStatus> Protect(const Table& table, const Rules& rules) {
  if (absl::Status s = ValidateRules(rules); !s.ok()) return s;
  if (absl::Status s = CheckNames(table.rows, "row"); !s.ok()) return s;
  if (absl::Status s = CheckNames(table.cols, "column"); !s.ok()) return s;
  std::vector<std::string> rows = table.rows;
  std::vector<std::string> cols = table.cols;
  std::sort(rows.begin(), rows.end());
  std::sort(cols.begin(), cols.end());
  for (const auto& [key, cell] : table.cells) {
    if (!std::binary_search(rows.begin(), rows.end(), key.first)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "cell (%s, %s) names row '%s', which is not in the table's rows", key.first,
          key.second, key.first));
    }
    if (!std::binary_search(cols.begin(), cols.end(), key.second)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "cell (%s, %s) names column '%s', which is not in the table's columns", key.first,
          key.second, key.second));
    }
  }

  const int n_rows = static_cast<int>(rows.size());
  const int n_cols = static_cast<int>(cols.size());
  const std::vector<Contributor> no_contributors;  // an absent cell
  Grid grid(n_rows, n_cols);
  std::vector<Contributor> all;
  std::vector<std::vector<Contributor>> by_col(n_cols);
  for (int r = 0; r < n_rows; ++r) {
    std::vector<Contributor> row;
    for (int c = 0; c < n_cols; ++c) {
      const auto it = table.cells.find({rows[r], cols[c]});
      std::string id = it != table.cells.end() && !it->second.id.empty()
                           ? it->second.id
                           : absl::StrCat(rows[r], "/", cols[c]);
      const std::vector<Contributor>& contributors =
          it != table.cells.end() ? it->second.contributors : no_contributors;
      Item& item = grid.at(r, c);
      if (absl::Status s = Fill(std::move(id), contributors, rules, item); !s.ok()) return s;
      row.insert(row.end(), item.merged.begin(), item.merged.end());
      by_col[c].insert(by_col[c].end(), item.merged.begin(), item.merged.end());
    }
    if (absl::Status s = Fill(absl::StrCat(rows[r], "/*"), row, rules, grid.at(r, n_cols));
        !s.ok()) {
      return s;
    }
    all.insert(all.end(), row.begin(), row.end());
  }
  for (int c = 0; c < n_cols; ++c) {
    if (absl::Status s = Fill(absl::StrCat("*/", cols[c]), by_col[c], rules, grid.at(n_rows, c));
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = Fill("*/*", all, rules, grid.at(n_rows, n_cols)); !s.ok()) return s;
  // Cells withheld earlier in the year stay withheld, protected like primary cells.
  for (const auto& [row, col] : table.carried) {
    const auto r = row == "*" ? std::optional<int>(n_rows) : Index(rows, row);
    const auto c = col == "*" ? std::optional<int>(n_cols) : Index(cols, col);
    if (!r || !c) continue;
    Item& item = grid.at(*r, *c);
    if (item.structural() || item.status.confidential) continue;
    item.status = CarriedStatus(item.id);
  }

  // Primary cells, the one needing most protection first (its large complements can then
  // serve the smaller ones), ties by id.
  std::vector<std::pair<int, int>> primaries;
  for (int r = 0; r <= n_rows; ++r) {
    for (int c = 0; c <= n_cols; ++c) {
      if (grid.at(r, c).primary()) primaries.emplace_back(r, c);
    }
  }
  std::sort(primaries.begin(), primaries.end(), [&grid](const auto& a, const auto& b) {
    const Item& x = grid.at(a.first, a.second);
    const Item& y = grid.at(b.first, b.second);
    return std::tie(y.protection, x.id, a) < std::tie(x.protection, y.id, b);
  });

  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [r, c] : primaries) {
      absl::StatusOr<bool> added = CloseCycle(grid, r, c, grid.at(r, c).protection);
      if (!added.ok()) return added.status();
      changed = changed || *added;
    }
    // Defensive: cells added on a cycle are never bridges, and adding cells never makes one.
    for (int r = 0; r <= n_rows; ++r) {
      for (int c = 0; c <= n_cols; ++c) {
        if (!grid.at(r, c).status.confidential || !grid.IsBridge(r, c)) continue;
        absl::StatusOr<bool> added = CloseCycle(grid, r, c, 0);
        if (!added.ok()) return added.status();
        changed = changed || *added;
      }
    }
  }

  TableStatus out;
  for (int r = 0; r < n_rows; ++r) {
    for (int c = 0; c < n_cols; ++c) {
      out.cells.emplace(std::make_pair(rows[r], cols[c]), grid.at(r, c).status);
    }
    out.row_totals.emplace(rows[r], grid.at(r, n_cols).status);
  }
  for (int c = 0; c < n_cols; ++c) out.col_totals.emplace(cols[c], grid.at(n_rows, c).status);
  out.grand_total = grid.at(n_rows, n_cols).status;
  return out;
}

absl::StatusOr<Status1D> Protect1D(std::string_view total_id,
                                   const std::vector<CellInput>& children, const Rules& rules) {
  if (absl::Status s = ValidateRules(rules); !s.ok()) return s;
  const int n = static_cast<int>(children.size());
  std::vector<Item> items(n + 1);  // children, then the total at index n
  std::vector<Contributor> all;
  for (int i = 0; i < n; ++i) {
    if (absl::Status s = Fill(children[i].id, children[i].contributors, rules, items[i]);
        !s.ok()) {
      return s;
    }
    all.insert(all.end(), items[i].merged.begin(), items[i].merged.end());
  }
  if (absl::Status s = Fill(std::string(total_id), all, rules, items[n]); !s.ok()) return s;
  Item& total = items[n];

  // Published non-structural children, smallest first, ties by id then position.
  auto published_children = [&]() {
    std::vector<int> out;
    for (int i = 0; i < n; ++i) {
      if (!items[i].structural() && !items[i].status.confidential) out.push_back(i);
    }
    std::sort(out.begin(), out.end(), [&](int a, int b) {
      return std::tie(items[a].value, items[a].id, a) < std::tie(items[b].value, items[b].id, b);
    });
    return out;
  };
  auto suppressed_children_sum = [&]() {
    __int128 sum = 0;
    bool any = false;
    for (int i = 0; i < n; ++i) {
      if (items[i].status.confidential) {
        sum += items[i].value;
        any = true;
      }
    }
    return std::make_pair(any, sum);
  };

  std::vector<int> primaries;
  for (int i = 0; i <= n; ++i) {
    if (items[i].primary()) primaries.push_back(i);
  }
  std::sort(primaries.begin(), primaries.end(), [&](int a, int b) {
    return std::tie(items[b].protection, items[a].id, a) <
           std::tie(items[a].protection, items[b].id, b);
  });
  for (int x : primaries) {
    const int64_t needed = items[x].protection;
    if (x < n) {
      bool protected_already = total.status.confidential;
      for (int i = 0; i < n && !protected_already; ++i) {
        protected_already =
            i != x && items[i].status.confidential && items[i].value >= needed;
      }
      if (protected_already) continue;
      const std::vector<int> candidates = published_children();
      const auto it = std::find_if(candidates.begin(), candidates.end(),
                                   [&](int i) { return items[i].value >= needed; });
      Suppress(it != candidates.end() ? items[*it] : total);
    } else {
      for (auto [any, sum] = suppressed_children_sum(); !any || sum < needed;
           std::tie(any, sum) = suppressed_children_sum()) {
        const std::vector<int> candidates = published_children();
        if (candidates.empty()) break;  // every child suppressed: as much as there is
        const auto it = std::find_if(candidates.begin(), candidates.end(),
                                     [&](int i) { return sum + items[i].value >= needed; });
        Suppress(items[it != candidates.end() ? *it : candidates.back()]);
      }
    }
  }

  Status1D out;
  out.total = total.status;
  for (int i = 0; i < n; ++i) out.children.push_back(items[i].status);
  return out;
}

}  // namespace cw::disclosure
