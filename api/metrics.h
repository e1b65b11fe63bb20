// Prometheus text exposition (format 0.0.4) for GET /metrics. Request counts and latency
// histograms by route and status are kept here; everything else (log, projectors, commands,
// processes) is read at scrape time by collectors, so the hot paths keep no extra state.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace tally::api {

using Labels = std::vector<std::pair<std::string, std::string>>;

class MetricsWriter {
 public:
  // Starts a family: `type` is counter, gauge or histogram. Each family once per scrape.
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, const Labels& labels, double value);
  // The _bucket, _sum and _count samples of histogram `name`: `counts` per bucket, not
  // cumulative, one more than `bounds` (the +Inf bucket).
  void histogram(std::string_view name, const Labels& labels, std::span<const double> bounds,
                 std::span<const std::uint64_t> counts, double sum);
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Metrics {
 public:
  using Collector = std::function<void(MetricsWriter&)>;

  void observe_request(std::string_view method, std::string_view route, unsigned status,
                       std::string_view error_code, std::chrono::microseconds latency);
  void add_collector(Collector collector);
  std::string render() const;

  // Upper bounds of the latency buckets, in seconds.
  static const std::vector<double>& buckets();

 private:
  struct Histogram {
    std::vector<std::uint64_t> counts;  // per bucket, not cumulative
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, unsigned>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;     // by route
  std::map<std::string, std::uint64_t> errors_;  // by code
  std::vector<Collector> collectors_;
};

}  // namespace tally::api
