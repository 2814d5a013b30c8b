// CSV reading. See csv.h.
//
// Records end at LF, CRLF or a lone CR outside quotes; inside quotes line ends are kept as
// part of the field. A quote opens a quoted field only at the start of a field; a doubled
// quote inside it is one quote; text after the closing quote (not RFC 4180) is kept
// literally, as spreadsheet exports sometimes produce it. Lines whose fields are all empty
// or blank (including ",,,," rows from spreadsheets) are skipped.
#include "common/domain/csv.h"

#include <iconv.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace cw::domain {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Owns an iconv descriptor.
class IconvHandle {
 public:
  IconvHandle(const char* to, const char* from) : cd_(iconv_open(to, from)) {}
  ~IconvHandle() {
    if (ok()) iconv_close(cd_);
  }
  IconvHandle(const IconvHandle&) = delete;
  IconvHandle& operator=(const IconvHandle&) = delete;
  bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
  iconv_t get() const { return cd_; }

 private:
  iconv_t cd_;
};

bool IsBlankRow(const std::vector<std::string>& fields) {
  for (const std::string& f : fields) {
    for (char c : f) {
      if (!absl::ascii_isspace(static_cast<unsigned char>(c))) return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> GbkToUtf8(std::string_view bytes) {
  IconvHandle cd("UTF-8", "GB18030");
  if (!cd.ok()) {
    return absl::InternalError("iconv cannot convert from GB18030 to UTF-8 on this system");
  }
  std::string out;
  out.reserve(bytes.size() * 3 / 2 + 16);
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char buffer[4096];
  while (in_left > 0) {
    char* dst = buffer;
    size_t dst_left = sizeof(buffer);
    const size_t rc = iconv(cd.get(), &in, &in_left, &dst, &dst_left);
    out.append(buffer, dst - buffer);
    if (rc == static_cast<size_t>(-1)) {
      if (errno == E2BIG) continue;
      const size_t offset = bytes.size() - in_left;
      if (errno == EINVAL) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "not valid GBK: incomplete character at byte offset %d (expected a complete "
            "GBK/GB18030 sequence)",
            offset));
      }
      return absl::InvalidArgumentError(absl::StrFormat(
          "not valid GBK: invalid byte 0x%02X at byte offset %d (expected GBK/GB18030 text)",
          static_cast<unsigned char>(bytes[offset]), offset));
    }
  }
  return out;
}

bool IsValidUtf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;  // continuation byte, overlong lead (C0, C1) or beyond U+10FFFF
    }
    if (i + len > n) return false;
    for (int k = 1; k < len; ++k) {
      const unsigned char cc = p[i + k];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;  // overlong, out of range or a surrogate
    }
    i += len;
  }
  return true;
}

absl::StatusOr<CsvTable> ParseCsv(std::string_view bytes) {
  CsvTable table;
  std::string converted;
  std::string_view text = bytes;
  const bool bom = text.starts_with(kUtf8Bom);
  if (bom) text.remove_prefix(kUtf8Bom.size());
  if (bom || IsValidUtf8(text)) {
    if (!IsValidUtf8(text)) {
      return absl::InvalidArgumentError(
          "file starts with a UTF-8 byte order mark but is not valid UTF-8 (expected UTF-8 "
          "throughout)");
    }
    table.encoding = "UTF-8";
  } else {
    absl::StatusOr<std::string> utf8 = GbkToUtf8(text);
    if (!utf8.ok()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "file is neither UTF-8 nor GBK: %s", utf8.status().message()));
    }
    converted = *std::move(utf8);
    text = converted;
    table.encoding = "GBK";
  }

  bool have_header = false;
  int64_t line = 1;  // current physical line
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    // One record.
    const int64_t record_line = line;
    const size_t record_start = i;
    std::vector<std::string> fields;
    std::string field;
    bool record_done = false;
    size_t record_end = n;
    while (!record_done) {
      // One field, starting at i.
      field.clear();
      if (i < n && text[i] == '"') {
        const int64_t quote_line = line;
        ++i;
        bool closed = false;
        while (i < n) {
          const char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (c == '\n' || (c == '\r' && (i + 1 >= n || text[i + 1] != '\n'))) ++line;
          field.push_back(c);
          ++i;
        }
        if (!closed) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "line %d: unterminated quoted field (expected a closing '\"')", quote_line));
        }
      }
      // Unquoted text, or text after a closing quote, up to a separator or line end.
      while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        field.push_back(text[i]);
        ++i;
      }
      fields.push_back(field);
      if (i >= n) {
        record_end = n;
        record_done = true;
      } else if (text[i] == ',') {
        ++i;
      } else {  // line end
        record_end = i;
        if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
        ++i;
        ++line;
        record_done = true;
      }
    }
    if (IsBlankRow(fields)) continue;
    if (!have_header) {
      table.header = std::move(fields);
      have_header = true;
      continue;
    }
    CsvRow row;
    row.line = record_line;
    row.fields = std::move(fields);
    row.raw = std::string(text.substr(record_start, record_end - record_start));
    table.rows.push_back(std::move(row));
  }
  if (!have_header) {
    return absl::InvalidArgumentError("file has no header row (expected a header line)");
  }
  return table;
}

}  // namespace cw::domain
