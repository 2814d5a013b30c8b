#include "ingest/envelope.h"

#include <algorithm>

#include "google/protobuf/io/coded_stream.h"

namespace cw::ingest {
namespace {

using google::protobuf::io::CodedOutputStream;

// Wire tags of ReportEnvelope (length-delimited) and of Provenance.line (varint).
constexpr uint32_t kOutputTag = (1 << 3) | 2;
constexpr uint32_t kTaxTag = (2 << 3) | 2;
constexpr uint32_t kProvenanceTag = (3 << 3) | 2;
constexpr uint32_t kLineTag = (4 << 3) | 0;

}  // namespace

EnvelopeWriter::EnvelopeWriter(const clusterwatch::v1::Provenance& common) {
  clusterwatch::v1::Provenance p = common;
  p.clear_line();
  provenance_ = p.SerializeAsString();
}

void EnvelopeWriter::AppendOutput(const clusterwatch::v1::OutputReport& report, int64_t line,
                                  std::string* out) const {
  Append(kOutputTag, report, line, out);
}

void EnvelopeWriter::AppendTax(const clusterwatch::v1::TaxReport& report, int64_t line,
                               std::string* out) const {
  Append(kTaxTag, report, line, out);
}

void EnvelopeWriter::Append(uint32_t tag, const google::protobuf::MessageLite& report,
                            int64_t line, std::string* out) const {
  const size_t report_size = report.ByteSizeLong();  // caches sizes for the write below
  // proto3: a zero line is not written; a negative one is a 10-byte varint.
  const size_t line_size =
      line == 0 ? 0 : 1 + CodedOutputStream::VarintSize64(static_cast<uint64_t>(line));
  const size_t provenance_size = provenance_.size() + line_size;
  const size_t total = 1 + CodedOutputStream::VarintSize32(static_cast<uint32_t>(report_size)) +
                       report_size + 1 +
                       CodedOutputStream::VarintSize32(static_cast<uint32_t>(provenance_size)) +
                       provenance_size;
  const size_t start = out->size();
  out->resize(start + total);
  auto* p = reinterpret_cast<uint8_t*>(out->data() + start);
  *p++ = static_cast<uint8_t>(tag);
  p = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(report_size), p);
  p = report.SerializeWithCachedSizesToArray(p);
  *p++ = static_cast<uint8_t>(kProvenanceTag);
  p = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(provenance_size), p);
  p = std::copy(provenance_.begin(), provenance_.end(), p);
  if (line != 0) {
    *p++ = static_cast<uint8_t>(kLineTag);
    p = CodedOutputStream::WriteVarint64ToArray(static_cast<uint64_t>(line), p);
  }
}

}  // namespace cw::ingest
