// An .xlsx sheet as a table of text cells. See xlsx_read.h.
#include "cli/xlsx_read.h"

#include <expat.h>
#include <minizip/unzip.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace cw::cli {
namespace {

constexpr int kMaxColumns = 16384;   // XFD
constexpr int64_t kMaxRows = 1048576;

// The local part of an XML name ("x:row" -> "row").
std::string_view LocalName(const char* name) {
  std::string_view n(name);
  const size_t colon = n.rfind(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

// The value of attribute `name` (compared by local name), or nullptr.
const char* Attr(const char** attrs, std::string_view name) {
  for (int i = 0; attrs[i] != nullptr; i += 2) {
    if (LocalName(attrs[i]) == name) return attrs[i + 1];
  }
  return nullptr;
}

// Expat over one whole part, with callbacks by local name.
class XmlWalker {
 public:
  std::function<void(std::string_view, const char**)> on_start = [](auto, auto) {};
  std::function<void(std::string_view)> on_end = [](auto) {};
  std::function<void(std::string_view)> on_text = [](auto) {};

  absl::Status Parse(std::string_view xml, std::string_view part) {
    std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(
        XML_ParserCreate("UTF-8"), &XML_ParserFree);
    if (parser == nullptr) return absl::ResourceExhaustedError("cannot create an XML parser");
    XML_SetUserData(parser.get(), this);
    XML_SetElementHandler(
        parser.get(),
        [](void* self, const char* name, const char** attrs) {
          static_cast<XmlWalker*>(self)->on_start(LocalName(name), attrs);
        },
        [](void* self, const char* name) {
          static_cast<XmlWalker*>(self)->on_end(LocalName(name));
        });
    XML_SetCharacterDataHandler(parser.get(), [](void* self, const char* s, int len) {
      static_cast<XmlWalker*>(self)->on_text(std::string_view(s, static_cast<size_t>(len)));
    });
    // Parsed in pieces: XML_Parse takes an int length.
    constexpr size_t kPiece = 1 << 24;
    size_t at = 0;
    do {
      const size_t n = std::min(kPiece, xml.size() - at);
      const bool last = at + n == xml.size();
      if (XML_Parse(parser.get(), xml.data() + at, static_cast<int>(n), last) ==
          XML_STATUS_ERROR) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s is not well-formed XML: %s at line %d (expected an xlsx workbook part)", part,
            XML_ErrorString(XML_GetErrorCode(parser.get())),
            static_cast<int>(XML_GetCurrentLineNumber(parser.get()))));
      }
      at += n;
    } while (at < xml.size());
    return absl::OkStatus();
  }
};

// The zip container.
class Zip {
 public:
  ~Zip() {
    if (zip_ != nullptr) unzClose(zip_);
  }
  absl::Status Open(const std::string& path) {
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
      std::fclose(f);
    } else {
      return absl::NotFoundError(absl::StrCat("cannot open ", path));
    }
    zip_ = unzOpen64(path.c_str());
    if (zip_ == nullptr) {
      return absl::InvalidArgumentError(
          "not an xlsx workbook: the file is not a zip archive (expected an .xlsx saved by "
          "Excel, WPS or LibreOffice; an .xls of Excel 97-2003 must be saved as .xlsx or "
          "CSV first)");
    }
    return absl::OkStatus();
  }

  // The part `name` (case-insensitive), nullopt when absent.
  absl::StatusOr<std::optional<std::string>> Read(const std::string& name, size_t limit) {
    if (unzLocateFile(zip_, name.c_str(), 2) != UNZ_OK) return std::nullopt;
    unz_file_info64 info;
    if (unzGetCurrentFileInfo64(zip_, &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK) {
      return absl::InvalidArgumentError(absl::StrCat("zip entry ", name, " is unreadable"));
    }
    if (info.uncompressed_size > limit) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "%s is %d bytes uncompressed (expected at most %d)", name, info.uncompressed_size,
          limit));
    }
    if (unzOpenCurrentFile(zip_) != UNZ_OK) {
      return absl::InvalidArgumentError(absl::StrCat("zip entry ", name, " cannot be opened"));
    }
    std::string out;
    out.reserve(static_cast<size_t>(info.uncompressed_size));
    char buf[1 << 16];
    int n = 0;
    while ((n = unzReadCurrentFile(zip_, buf, sizeof buf)) > 0) {
      out.append(buf, static_cast<size_t>(n));
      if (out.size() > limit) {
        unzCloseCurrentFile(zip_);
        return absl::ResourceExhaustedError(
            absl::StrFormat("%s is larger than %d bytes uncompressed", name, limit));
      }
    }
    const int closed = unzCloseCurrentFile(zip_);
    if (n < 0 || closed != UNZ_OK) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "zip entry %s is corrupt (%s)", name, n < 0 ? "inflate failed" : "CRC mismatch"));
    }
    return out;
  }

 private:
  unzFile zip_ = nullptr;
};

// Text of <t> elements under `container` (si or is), leaving out phonetic runs (rPh).
struct RichText {
  int depth_in_t = 0;
  int depth_in_rph = 0;
  std::string text;
  void Start(std::string_view name) {
    if (name == "t") ++depth_in_t;
    if (name == "rPh") ++depth_in_rph;
  }
  void End(std::string_view name) {
    if (name == "t") --depth_in_t;
    if (name == "rPh") --depth_in_rph;
  }
  void Text(std::string_view s) {
    if (depth_in_t > 0 && depth_in_rph == 0) text.append(s);
  }
};

absl::StatusOr<std::vector<std::string>> SharedStrings(std::string_view xml) {
  std::vector<std::string> out;
  RichText rich;
  bool in_si = false;
  XmlWalker w;
  w.on_start = [&](std::string_view name, const char**) {
    if (name == "si") {
      in_si = true;
      rich = RichText();
    } else if (in_si) {
      rich.Start(name);
    }
  };
  w.on_end = [&](std::string_view name) {
    if (name == "si") {
      in_si = false;
      out.push_back(std::move(rich.text));
    } else if (in_si) {
      rich.End(name);
    }
  };
  w.on_text = [&](std::string_view s) {
    if (in_si) rich.Text(s);
  };
  if (auto s = w.Parse(xml, "xl/sharedStrings.xml"); !s.ok()) return s;
  return out;
}

// Whether each cell style (index of cellXfs) is a date format.
absl::StatusOr<std::vector<bool>> DateStyles(std::string_view xml) {
  std::map<int, std::string> custom;
  std::vector<int> xf_formats;
  bool in_cell_xfs = false;
  XmlWalker w;
  w.on_start = [&](std::string_view name, const char** attrs) {
    if (name == "numFmt") {
      const char* id = Attr(attrs, "numFmtId");
      const char* code = Attr(attrs, "formatCode");
      int n = 0;
      if (id != nullptr && code != nullptr && absl::SimpleAtoi(id, &n)) custom[n] = code;
    } else if (name == "cellXfs") {
      in_cell_xfs = true;
    } else if (name == "xf" && in_cell_xfs) {
      const char* id = Attr(attrs, "numFmtId");
      int n = 0;
      xf_formats.push_back(id != nullptr && absl::SimpleAtoi(id, &n) ? n : 0);
    }
  };
  w.on_end = [&](std::string_view name) {
    if (name == "cellXfs") in_cell_xfs = false;
  };
  if (auto s = w.Parse(xml, "xl/styles.xml"); !s.ok()) return s;
  std::vector<bool> out;
  out.reserve(xf_formats.size());
  for (int id : xf_formats) {
    auto it = custom.find(id);
    out.push_back(IsDateFormat(id, it == custom.end() ? "" : it->second));
  }
  return out;
}

// 0-based column of a cell reference ("AB12" -> 27), or -1 when malformed.
int ColumnOf(std::string_view ref) {
  int col = 0;
  size_t i = 0;
  for (; i < ref.size() && absl::ascii_isalpha(static_cast<unsigned char>(ref[i])); ++i) {
    col = col * 26 + (absl::ascii_toupper(static_cast<unsigned char>(ref[i])) - 'A' + 1);
    if (col > kMaxColumns) return -1;
  }
  if (i == 0 || i == ref.size()) return -1;
  return col - 1;
}

// A field as a CSV export writes it (quoted when needed).
std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

struct SheetRow {
  int64_t line = 0;
  std::vector<std::string> cells;
};

absl::StatusOr<std::vector<SheetRow>> SheetRows(std::string_view xml, std::string_view part,
                                                const std::vector<std::string>& shared,
                                                const std::vector<bool>& date_styles,
                                                bool date1904) {
  std::vector<SheetRow> rows;
  absl::Status failure;
  SheetRow row;
  bool in_row = false;
  int64_t last_row = 0;
  // The cell being read.
  bool in_cell = false;
  int col = -1;
  int last_col = -1;
  std::string type;
  int style = 0;
  bool in_v = false;
  std::string value;
  bool in_is = false;
  RichText inline_text;

  auto fail = [&](std::string message) {
    if (failure.ok()) failure = absl::InvalidArgumentError(std::move(message));
  };
  auto cell_text = [&]() -> std::string {
    if (type == "s") {
      int64_t i = -1;
      if (!absl::SimpleAtoi(value, &i) || i < 0 || i >= static_cast<int64_t>(shared.size())) {
        fail(absl::StrFormat("%s row %d: shared string index '%s' is out of range (the "
                             "workbook has %d)",
                             part, row.line, value, shared.size()));
        return "";
      }
      return shared[static_cast<size_t>(i)];
    }
    if (type == "inlineStr") return inline_text.text;
    if (type == "str" || type == "e" || type == "d") return value;
    if (type == "b") return value == "1" ? "TRUE" : "FALSE";
    if (value.empty()) return "";
    // A number (t="n" or none).
    const bool date = style >= 0 && static_cast<size_t>(style) < date_styles.size() &&
                      date_styles[static_cast<size_t>(style)];
    if (date) {
      double serial = 0;
      if (!absl::SimpleAtod(value, &serial)) {
        fail(absl::StrFormat("%s row %d: date cell value '%s' is not a number", part,
                             row.line, value));
        return "";
      }
      absl::StatusOr<std::string> text = XlsxDateText(serial, date1904);
      if (!text.ok()) {
        // Left to the field's validation, which names the record and the field.
        return absl::StrCat(value, " (", text.status().message(), ")");
      }
      return *text;
    }
    absl::StatusOr<std::string> text = XlsxNumberText(value);
    return text.ok() ? *text : value;
  };

  XmlWalker w;
  w.on_start = [&](std::string_view name, const char** attrs) {
    if (name == "row") {
      in_row = true;
      row = SheetRow();
      const char* r = Attr(attrs, "r");
      int64_t n = last_row + 1;
      if (r != nullptr && (!absl::SimpleAtoi(r, &n) || n < 1 || n > kMaxRows)) {
        fail(absl::StrFormat("%s: row number '%s' is out of range (expected 1 to %d)", part, r,
                             kMaxRows));
      }
      row.line = n;
      last_row = n;
      last_col = -1;
    } else if (name == "c" && in_row) {
      in_cell = true;
      const char* r = Attr(attrs, "r");
      col = r != nullptr ? ColumnOf(r) : last_col + 1;
      if (col < 0 || col >= kMaxColumns) {
        fail(absl::StrFormat("%s row %d: cell reference '%s' is out of range (expected A to "
                             "XFD)",
                             part, row.line, r != nullptr ? r : "?"));
        col = 0;
      }
      last_col = col;
      const char* t = Attr(attrs, "t");
      type = t != nullptr ? t : "n";
      const char* s = Attr(attrs, "s");
      style = 0;
      if (s != nullptr && !absl::SimpleAtoi(s, &style)) style = 0;
      value.clear();
      inline_text = RichText();
    } else if (in_cell && name == "v") {
      in_v = true;
    } else if (in_cell && name == "is") {
      in_is = true;
    } else if (in_is) {
      inline_text.Start(name);
    }
  };
  w.on_end = [&](std::string_view name) {
    if (name == "row") {
      in_row = false;
      while (!row.cells.empty() && row.cells.back().empty()) row.cells.pop_back();
      // A row of blank cells is a blank line, as in a CSV file.
      bool blank = true;
      for (const std::string& c : row.cells) {
        blank = blank && absl::StripAsciiWhitespace(c).empty();
      }
      if (!blank) rows.push_back(std::move(row));
    } else if (name == "c" && in_cell) {
      in_cell = false;
      std::string text = cell_text();
      if (!text.empty()) {
        if (row.cells.size() <= static_cast<size_t>(col)) row.cells.resize(col + 1);
        row.cells[static_cast<size_t>(col)] = std::move(text);
      }
    } else if (name == "v") {
      in_v = false;
    } else if (name == "is") {
      in_is = false;
    } else if (in_is) {
      inline_text.End(name);
    }
  };
  w.on_text = [&](std::string_view s) {
    if (in_v) value.append(s);
    if (in_is) inline_text.Text(s);
  };
  if (auto s = w.Parse(xml, part); !s.ok()) return s;
  if (!failure.ok()) return failure;
  return rows;
}

// Days from 1970-01-01 to a civil date, and back (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

}  // namespace

bool IsXlsxPath(std::string_view path) {
  const std::string lower = absl::AsciiStrToLower(std::string(path));
  return lower.size() > 5 && (lower.ends_with(".xlsx") || lower.ends_with(".xlsm"));
}

absl::StatusOr<std::string> XlsxNumberText(std::string_view v) {
  double d = 0;
  if (!absl::SimpleAtod(std::string(v), &d) || !std::isfinite(d)) {
    return absl::InvalidArgumentError(absl::StrFormat("'%s' is not a number", v));
  }
  // A whole number as stored (exact at any length); else what Excel shows and exports: 15
  // significant digits (0.1 + 0.2 stored as 0.30000000000000004 reads 0.3).
  bool whole = !v.empty();
  for (size_t i = 0; i < v.size(); ++i) {
    whole = whole && (absl::ascii_isdigit(static_cast<unsigned char>(v[i])) ||
                      (i == 0 && v[i] == '-' && v.size() > 1));
  }
  std::string text = whole ? std::string(v) : absl::StrFormat("%.15g", d);
  // No exponent form: "1.5E+3" -> "1500", "2E-3" -> "0.002".
  const size_t e = text.find_first_of("eE");
  if (e == std::string::npos) return text;
  int exponent = 0;
  if (!absl::SimpleAtoi(text.substr(e + 1), &exponent)) {
    return absl::InvalidArgumentError(absl::StrFormat("'%s' is not a number", v));
  }
  std::string mantissa = text.substr(0, e);
  const bool negative = !mantissa.empty() && mantissa[0] == '-';
  if (negative || (!mantissa.empty() && mantissa[0] == '+')) mantissa.erase(0, 1);
  const size_t dot = mantissa.find('.');
  std::string digits = mantissa;
  int point = static_cast<int>(mantissa.size());  // digits before the point
  if (dot != std::string::npos) {
    digits.erase(dot, 1);
    point = static_cast<int>(dot);
  }
  point += exponent;
  std::string out;
  if (point <= 0) {
    out = "0." + std::string(static_cast<size_t>(-point), '0') + digits;
  } else if (point >= static_cast<int>(digits.size())) {
    out = digits + std::string(static_cast<size_t>(point) - digits.size(), '0');
  } else {
    out = digits.substr(0, static_cast<size_t>(point)) + "." +
          digits.substr(static_cast<size_t>(point));
  }
  // Trailing zeros of a fraction and leading zeros of the integer part.
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  while (out.size() > 1 && out[0] == '0' && out[1] != '.') out.erase(0, 1);
  return negative ? "-" + out : out;
}

absl::StatusOr<std::string> XlsxDateText(double serial, bool date1904) {
  if (!std::isfinite(serial) || serial < (date1904 ? 0 : 1) || serial >= 2958466) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "date serial %g is outside the calendar (expected a date from %s to 9999-12-31)",
        serial, date1904 ? "1904-01-01" : "1900-01-01"));
  }
  const int64_t day = static_cast<int64_t>(std::floor(serial));
  int64_t seconds = std::llround((serial - static_cast<double>(day)) * 86400.0);
  int64_t days = day;
  if (seconds >= 86400) {
    ++days;
    seconds -= 86400;
  }
  int64_t epoch;  // days from 1970-01-01 of serial 0
  if (date1904) {
    epoch = DaysFromCivil(1904, 1, 1);
  } else if (days == 60) {
    return absl::InvalidArgumentError(
        "date serial 60 is 1900-02-29, a day that did not exist (expected a real date)");
  } else {
    // Serial 1 is 1900-01-01; Lotus' leap day 1900-02-29 (serial 60) shifts later serials.
    epoch = days < 60 ? DaysFromCivil(1899, 12, 31) : DaysFromCivil(1899, 12, 30);
  }
  int64_t y = 0;
  int m = 0;
  int d = 0;
  CivilFromDays(epoch + days, &y, &m, &d);
  if (d == 1 && seconds == 0) return absl::StrFormat("%04d-%02d", y, m);
  std::string out = absl::StrFormat("%04d-%02d-%02d", y, m, d);
  if (seconds != 0) {
    absl::StrAppendFormat(&out, " %02d:%02d:%02d", seconds / 3600, seconds / 60 % 60,
                          seconds % 60);
  }
  return out;
}

bool IsDateFormat(int num_fmt_id, std::string_view format_code) {
  // Built-in: 14-22 dates and times, 45-47 times; 27-36 and 50-58 the East Asian dates
  // (Chinese 年月日 forms).
  if ((num_fmt_id >= 14 && num_fmt_id <= 22) || (num_fmt_id >= 27 && num_fmt_id <= 36) ||
      (num_fmt_id >= 45 && num_fmt_id <= 47) || (num_fmt_id >= 50 && num_fmt_id <= 58)) {
    return true;
  }
  if (format_code.empty()) return false;
  // Custom: a date letter outside quoted text, [colour/locale] brackets and escapes.
  bool quoted = false;
  bool bracket = false;
  for (size_t i = 0; i < format_code.size(); ++i) {
    const char c = format_code[i];
    if (quoted) {
      quoted = c != '"';
      continue;
    }
    if (bracket) {
      bracket = c != ']';
      continue;
    }
    if (c == '"') {
      quoted = true;
    } else if (c == '[') {
      bracket = true;
    } else if (c == '\\' || c == '_' || c == '*') {
      ++i;  // the next character is literal (or padding)
    } else if (c == 'y' || c == 'Y' || c == 'd' || c == 'D' || c == 'm' || c == 'M') {
      return true;
    } else if (format_code.substr(i).starts_with("年") || format_code.substr(i).starts_with("月") ||
               format_code.substr(i).starts_with("日")) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<domain::CsvTable> ReadXlsxTable(const std::string& path,
                                               const XlsxReadOptions& options) {
  Zip zip;
  if (auto s = zip.Open(path); !s.ok()) return s;
  const size_t limit = options.max_part_bytes;
  auto workbook = zip.Read("xl/workbook.xml", limit);
  if (!workbook.ok()) return workbook.status();
  if (!workbook->has_value()) {
    return absl::InvalidArgumentError(
        "not an xlsx workbook: it has no xl/workbook.xml (expected a spreadsheet saved as "
        ".xlsx)");
  }
  // Sheets in workbook order, and the date system.
  std::vector<std::pair<std::string, std::string>> sheets;  // name, relationship id
  bool date1904 = false;
  {
    XmlWalker w;
    w.on_start = [&](std::string_view name, const char** attrs) {
      if (name == "sheet") {
        const char* n = Attr(attrs, "name");
        const char* id = Attr(attrs, "id");
        sheets.emplace_back(n != nullptr ? n : "", id != nullptr ? id : "");
      } else if (name == "workbookPr") {
        const char* d = Attr(attrs, "date1904");
        date1904 = d != nullptr && (std::string_view(d) == "1" || std::string_view(d) == "true");
      }
    };
    if (auto s = w.Parse(**workbook, "xl/workbook.xml"); !s.ok()) return s;
  }
  if (sheets.empty()) return absl::InvalidArgumentError("the workbook has no sheet");
  size_t chosen = 0;
  if (!options.sheet.empty()) {
    chosen = sheets.size();
    std::string names;
    for (size_t i = 0; i < sheets.size(); ++i) {
      if (sheets[i].first == options.sheet) chosen = i;
      absl::StrAppend(&names, i == 0 ? "" : ", ", "'", sheets[i].first, "'");
    }
    if (chosen == sheets.size()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "the workbook has no sheet '%s' (expected one of: %s)", options.sheet, names));
    }
  }
  // The sheet's part, from the workbook's relationships.
  std::string target;
  {
    auto rels = zip.Read("xl/_rels/workbook.xml.rels", limit);
    if (!rels.ok()) return rels.status();
    if (!rels->has_value()) {
      return absl::InvalidArgumentError(
          "not an xlsx workbook: it has no xl/_rels/workbook.xml.rels");
    }
    XmlWalker w;
    w.on_start = [&](std::string_view name, const char** attrs) {
      if (name != "Relationship") return;
      const char* id = Attr(attrs, "Id");
      const char* t = Attr(attrs, "Target");
      if (id != nullptr && t != nullptr && sheets[chosen].second == id) target = t;
    };
    if (auto s = w.Parse(**rels, "xl/_rels/workbook.xml.rels"); !s.ok()) return s;
  }
  if (target.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "sheet '%s' has no part in the workbook's relationships", sheets[chosen].first));
  }
  const std::string part =
      target.starts_with("/") ? target.substr(1) : absl::StrCat("xl/", target);
  std::vector<std::string> shared;
  if (auto xml = zip.Read("xl/sharedStrings.xml", limit); !xml.ok()) {
    return xml.status();
  } else if (xml->has_value()) {
    auto s = SharedStrings(**xml);
    if (!s.ok()) return s.status();
    shared = *std::move(s);
  }
  std::vector<bool> date_styles;
  if (auto xml = zip.Read("xl/styles.xml", limit); !xml.ok()) {
    return xml.status();
  } else if (xml->has_value()) {
    auto s = DateStyles(**xml);
    if (!s.ok()) return s.status();
    date_styles = *std::move(s);
  }
  auto sheet_xml = zip.Read(part, limit);
  if (!sheet_xml.ok()) return sheet_xml.status();
  if (!sheet_xml->has_value()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("sheet '%s': part %s is missing", sheets[chosen].first, part));
  }
  auto rows = SheetRows(**sheet_xml, part, shared, date_styles, date1904);
  if (!rows.ok()) return rows.status();

  domain::CsvTable table;
  table.encoding = "XLSX";
  bool header = true;
  for (SheetRow& r : *rows) {
    if (header) {
      table.header = std::move(r.cells);
      header = false;
      continue;
    }
    domain::CsvRow row;
    row.line = r.line;
    for (size_t i = 0; i < r.cells.size(); ++i) {
      absl::StrAppend(&row.raw, i == 0 ? "" : ",", CsvField(r.cells[i]));
    }
    row.fields = std::move(r.cells);
    table.rows.push_back(std::move(row));
  }
  if (header) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "sheet '%s' is empty (expected a header row and report rows)", sheets[chosen].first));
  }
  return table;
}

}  // namespace cw::cli
