#include "api/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace tally::api {
namespace {

std::string escape(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  return fmt::format("{}", v);
}

}  // namespace

void MetricsWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void MetricsWriter::sample(std::string_view name, const Labels& labels, double value) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    for (std::size_t i = 0; i < labels.size(); ++i)
      out_ += fmt::format("{}{}=\"{}\"", i ? "," : "", labels[i].first, escape(labels[i].second));
    out_ += '}';
  }
  out_ += ' ';
  out_ += number(value);
  out_ += '\n';
}

void MetricsWriter::histogram(std::string_view name, const Labels& labels,
                              std::span<const double> bounds, std::span<const std::uint64_t> counts,
                              double sum) {
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    Labels with_le = labels;
    with_le.emplace_back("le", i < bounds.size() ? number(bounds[i]) : "+Inf");
    sample(bucket, with_le, double(cumulative));
  }
  sample(std::string(name) + "_sum", labels, sum);
  sample(std::string(name) + "_count", labels, double(cumulative));
}

const std::vector<double>& Metrics::buckets() {
  static const std::vector<double> b = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                        0.05,   0.1,   0.25,   0.5,   1,    2.5};
  return b;
}

void Metrics::observe_request(std::string_view method, std::string_view route, unsigned status,
                              std::string_view error_code, std::chrono::microseconds latency) {
  // Labels come from a fixed set, whatever a client sends: a garbage method is "other".
  static constexpr std::string_view kMethods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"};
  if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods))
    method = "other";
  const double seconds = double(latency.count()) / 1e6;
  const auto& b = buckets();
  const std::size_t bucket = std::lower_bound(b.begin(), b.end(), seconds) - b.begin();
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(method), std::string(route), status}];
  auto& h = latency_[std::string(route)];
  if (h.counts.empty()) h.counts.assign(b.size() + 1, 0);
  ++h.counts[bucket];
  h.sum += seconds;
  if (!error_code.empty()) ++errors_[std::string(error_code)];
}

void Metrics::add_collector(Collector collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::render() const {
  MetricsWriter w;
  std::vector<Collector> collectors;
  {
    std::lock_guard lock(mutex_);
    w.family("tally_http_requests_total", "counter", "HTTP requests answered, by route and status");
    for (const auto& [key, n] : requests_)
      w.sample("tally_http_requests_total",
               {{"method", std::get<0>(key)},
                {"route", std::get<1>(key)},
                {"status", std::to_string(std::get<2>(key))}},
               double(n));
    w.family("tally_http_request_duration_seconds", "histogram",
             "Time from the request read to its answer written, by route");
    for (const auto& [route, h] : latency_)
      w.histogram("tally_http_request_duration_seconds", {{"route", route}}, buckets(), h.counts,
                  h.sum);
    w.family("tally_http_errors_total", "counter", "Failure answers, by stable error code");
    for (const auto& [code, n] : errors_)
      w.sample("tally_http_errors_total", {{"code", code}}, double(n));
    collectors = collectors_;
  }
  for (const auto& c : collectors) c(w);
  return w.take();
}

}  // namespace tally::api
