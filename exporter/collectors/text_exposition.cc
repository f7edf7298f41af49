#include "collectors/text_exposition.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>
#include <utility>

namespace se {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr size_t kNumberChars = 32;  // "-1.234567890123456e-308" and any 64-bit integer fit
constexpr size_t kValueGuess = 24;   // bytes a value usually takes, for the size hint
constexpr double kInf = std::numeric_limits<double>::infinity();

template <typename Int>
void AppendInteger(std::string* out, Int v) {
  char buf[kNumberChars];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

// What an ostream with precision 16 (max_digits10 - 1) writes, i.e. printf's "%.16g", with
// TextSerializer's spellings of NaN and the infinities.
void AppendDouble(std::string* out, double v) {
  if (std::isnan(v)) {
    out->append("Nan");
  } else if (std::isinf(v)) {
    out->append(v < 0 ? "-Inf" : "+Inf");
  } else if (std::fabs(v) < 1e16 && v == std::trunc(v)) {
    // An integer below 1e16 has at most 16 digits, which %.16g writes in full: most values.
    if (v == 0 && std::signbit(v)) {
      out->append("-0");
    } else {
      AppendInteger(out, static_cast<int64_t>(v));
    }
  } else {
    char buf[kNumberChars];
    const auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, 16);
    out->append(buf, static_cast<size_t>(r.ptr - buf));
  }
}

// Label values escape backslash, double quote and newline; runs between them are copied whole.
void AppendEscaped(std::string* out, std::string_view s) {
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c != '\\' && c != '"' && c != '\n') continue;
    out->append(s.data() + run, i - run);
    out->push_back('\\');
    out->push_back(c == '\n' ? 'n' : c);
    run = i + 1;
  }
  out->append(s.data() + run, s.size() - run);
}

// a="x",b="y" (without braces).
void AppendLabels(std::string* out, const std::vector<ClientMetric::Label>& labels) {
  bool first = true;
  for (const auto& l : labels) {
    if (!first) out->push_back(',');
    first = false;
    out->append(l.name);
    out->append("=\"");
    AppendEscaped(out, l.value);
    out->push_back('"');
  }
}

const char* TypeWord(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Summary:
      return "summary";
    case MetricType::Untyped:
      return "untyped";
    case MetricType::Histogram:
      return "histogram";
  }
  return nullptr;  // not a type TextSerializer knows: it writes no TYPE line and no samples
}

class Writer {
 public:
  explicit Writer(std::string* out) : out_(*out) {}

  void Family(const MetricFamily& f) {
    if (!f.help.empty()) {
      out_.append("# HELP ").append(f.name).append(" ").append(f.help).append("\n");
    }
    const char* type = TypeWord(f.type);
    if (!type) return;
    out_.append("# TYPE ").append(f.name).append(" ").append(type).append("\n");
    bounds_.clear();  // bucket bounds are shared within a family, rarely across families
    for (const auto& m : f.metric) {
      switch (f.type) {
        case MetricType::Counter:
          Single(f, m, m.counter.value);
          break;
        case MetricType::Gauge:
          Single(f, m, m.gauge.value);
          break;
        case MetricType::Untyped:
          Single(f, m, m.untyped.value);
          break;
        case MetricType::Summary:
          Summary(f, m);
          break;
        case MetricType::Histogram:
          Histogram(f, m);
          break;
      }
    }
  }

 private:
  // A counter, gauge or untyped sample: one line, its labels written straight out.
  void Single(const MetricFamily& f, const ClientMetric& m, double value) {
    out_.append(f.name);
    if (!m.label.empty()) {
      out_.push_back('{');
      AppendLabels(&out_, m.label);
      out_.push_back('}');
    }
    out_.push_back(' ');
    AppendDouble(&out_, value);
    Tail(m);
  }

  // name+suffix{labels[,extra="value"]} followed by a space; labels_ holds the escaped labels.
  void Head(const MetricFamily& f, std::string_view suffix, std::string_view extra_name = {},
            std::string_view extra_value = {}) {
    out_.append(f.name).append(suffix);
    if (!labels_.empty() || !extra_name.empty()) {
      out_.push_back('{');
      out_.append(labels_);
      if (!extra_name.empty()) {
        if (!labels_.empty()) out_.push_back(',');
        out_.append(extra_name).append("=\"").append(extra_value).push_back('"');
      }
      out_.push_back('}');
    }
    out_.push_back(' ');
  }

  void Tail(const ClientMetric& m) {
    if (m.timestamp_ms != 0) {
      out_.push_back(' ');
      AppendInteger(&out_, m.timestamp_ms);
    }
    out_.push_back('\n');
  }

  void EscapeLabelsOnce(const ClientMetric& m) {
    labels_.clear();
    AppendLabels(&labels_, m.label);
  }

  // The le text of bucket i, formatted once per family while the bounds repeat.
  const std::string& BoundText(size_t i, double le) {
    uint64_t bits;
    std::memcpy(&bits, &le, sizeof(bits));  // by bits: 0 and -0 print differently
    if (i >= bounds_.size()) bounds_.resize(i + 1, {~bits, std::string()});
    auto& slot = bounds_[i];
    if (slot.first != bits) {
      slot.first = bits;
      slot.second.clear();
      AppendDouble(&slot.second, le);
    }
    return slot.second;
  }

  // The _count and _sum lines of a histogram or summary.
  void CountAndSum(const MetricFamily& f, const ClientMetric& m, uint64_t count, double sum) {
    EscapeLabelsOnce(m);
    Head(f, "_count");
    AppendInteger(&out_, count);
    Tail(m);
    Head(f, "_sum");
    AppendDouble(&out_, sum);
    Tail(m);
  }

  void Histogram(const MetricFamily& f, const ClientMetric& m) {
    const auto& h = m.histogram;
    CountAndSum(f, m, h.sample_count, h.sample_sum);
    double last = -kInf;
    for (size_t i = 0; i < h.bucket.size(); ++i) {
      const auto& b = h.bucket[i];
      Head(f, "_bucket", "le", BoundText(i, b.upper_bound));
      last = b.upper_bound;
      AppendInteger(&out_, b.cumulative_count);
      Tail(m);
    }
    if (last != kInf) {
      Head(f, "_bucket", "le", "+Inf");
      AppendInteger(&out_, h.sample_count);
      Tail(m);
    }
  }

  void Summary(const MetricFamily& f, const ClientMetric& m) {
    const auto& s = m.summary;
    CountAndSum(f, m, s.sample_count, s.sample_sum);
    for (const auto& q : s.quantile) {
      quantile_.clear();
      AppendDouble(&quantile_, q.quantile);
      Head(f, "", "quantile", quantile_);
      AppendDouble(&out_, q.value);
      Tail(m);
    }
  }

  std::string& out_;
  std::string labels_;    // the current histogram's or summary's labels, escaped
  std::string quantile_;  // the current quantile label's text
  std::vector<std::pair<uint64_t, std::string>> bounds_;  // by bucket index: bound bits, le text
};

}  // namespace

void AppendTextExposition(const std::vector<MetricFamily>& families, std::string* out) {
  Writer writer(out);
  for (const auto& f : families) writer.Family(f);
}

std::string TextExposition(const std::vector<MetricFamily>& families) {
  std::string out;
  out.reserve(TextExpositionSizeHint(families));
  AppendTextExposition(families, &out);
  return out;
}

size_t TextExpositionSizeHint(const std::vector<MetricFamily>& families) {
  size_t n = 0;
  for (const auto& f : families) {
    n += 2 * f.name.size() + f.help.size() + 32;  // HELP and TYPE lines
    for (const auto& m : f.metric) {
      size_t labels = 2;
      for (const auto& l : m.label) labels += l.name.size() + l.value.size() + 4;
      const size_t timestamp = m.timestamp_ms != 0 ? kNumberChars : 0;
      // Suffix, an extra label, separators: 40 covers "_bucket" with le="...".
      const size_t line = f.name.size() + labels + 40 + kValueGuess + timestamp;
      size_t lines = 1;
      if (f.type == MetricType::Histogram) lines = m.histogram.bucket.size() + 3;
      if (f.type == MetricType::Summary) lines = m.summary.quantile.size() + 2;
      n += line * lines;
    }
  }
  return n;
}

}  // namespace se
