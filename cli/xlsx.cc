#include "cli/xlsx.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "xlsxwriter.h"

namespace cw::cli {

absl::Status WriteXlsx(const std::string& path, const std::vector<ExportSheet>& sheets) {
  lxw_workbook_options options = {};
  options.constant_memory = LXW_FALSE;
  lxw_workbook* wb = workbook_new_opt(path.c_str(), &options);
  if (wb == nullptr) return absl::InternalError(absl::StrCat(path, ": cannot create workbook"));
  lxw_format* header = workbook_add_format(wb);
  format_set_bold(header);
  lxw_format* money = workbook_add_format(wb);
  format_set_num_format(money, "#,##0.00");
  lxw_format* ratio = workbook_add_format(wb);
  format_set_num_format(ratio, "0.0%");
  lxw_format* integer = workbook_add_format(wb);
  format_set_num_format(integer, "#,##0");
  for (const ExportSheet& sheet : sheets) {
    lxw_worksheet* ws = workbook_add_worksheet(wb, sheet.name.c_str());
    for (size_t c = 0; c < sheet.columns.size(); ++c) {
      const std::string heading = XlsxHeading(sheet.columns[c]);
      worksheet_write_string(ws, 0, static_cast<lxw_col_t>(c), heading.c_str(), header);
      worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c),
                           std::max<double>(12, heading.size() * 0.9), nullptr);
    }
    worksheet_freeze_panes(ws, 1, 0);
    for (size_t r = 0; r < sheet.rows.size(); ++r) {
      const auto row = static_cast<lxw_row_t>(r + 1);
      for (size_t c = 0; c < sheet.rows[r].size() && c < sheet.columns.size(); ++c) {
        const ExportCell& cell = sheet.rows[r][c];
        if (cell.empty) continue;
        const auto col = static_cast<lxw_col_t>(c);
        switch (sheet.columns[c].kind) {
          case CellKind::kText:
            worksheet_write_string(ws, row, col, cell.text.c_str(), nullptr);
            break;
          case CellKind::kFen:
            worksheet_write_number(ws, row, col, static_cast<double>(cell.integer) / 1e6, money);
            break;
          case CellKind::kInteger:
            worksheet_write_number(ws, row, col, static_cast<double>(cell.integer), integer);
            break;
          case CellKind::kRatio:
            worksheet_write_number(ws, row, col, cell.number, ratio);
            break;
          case CellKind::kNumber:
            worksheet_write_number(ws, row, col, cell.number, nullptr);
            break;
        }
      }
    }
  }
  const lxw_error err = workbook_close(wb);
  if (err != LXW_NO_ERROR) {
    return absl::InternalError(absl::StrCat(path, ": ", lxw_strerror(err)));
  }
  return absl::OkStatus();
}

}  // namespace cw::cli
