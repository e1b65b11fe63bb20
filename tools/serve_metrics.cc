#include "tools/serve_metrics.h"

namespace tally::tools {

void add_serve_metrics(api::Metrics& metrics, const eventstore::Log& log,
                       std::vector<projections::Projector*> projectors,
                       const commands::ProcessRunner* runner, const api::InflightGate& gate) {
  metrics.add_collector([&log](api::MetricsWriter& w) {
    const auto s = log.stats();
    w.family("tally_log_up", "gauge", "1 unless a failed write stopped the log taking appends");
    w.sample("tally_log_up", {}, log.failure() ? 0 : 1);
    w.family("tally_log_damaged", "gauge",
             "1 once a read found stored log bytes damaged (run tally verify with the server "
             "stopped)");
    w.sample("tally_log_damaged", {}, log.damage_seen() ? 1 : 0);
    w.family("tally_log_head_position", "gauge", "The last committed log position");
    w.sample("tally_log_head_position", {}, double(log.head().value));
    w.family("tally_log_batches_total", "counter", "Group commits (one write and fsync each)");
    w.sample("tally_log_batches_total", {}, double(s.batches));
    w.family("tally_log_appends_total", "counter", "Appends committed");
    w.sample("tally_log_appends_total", {}, double(s.appends));
    w.family("tally_log_events_total", "counter",
             "Events committed; over tally_log_batches_total, the mean batch size");
    w.sample("tally_log_events_total", {}, double(s.events));
    w.family("tally_idempotency_pruned_total", "counter",
             "Idempotency records dropped after their retention");
    w.sample("tally_idempotency_pruned_total", {}, double(s.idempotency_pruned));
    std::vector<double> bounds;
    for (auto micros : eventstore::LogStats::kSyncMicrosBounds)
      bounds.push_back(double(micros) / 1e6);
    w.family("tally_log_sync_seconds", "histogram",
             "Group commits by their time in write and fsync");
    w.histogram("tally_log_sync_seconds", {}, bounds, s.sync_micros_buckets,
                double(s.sync_micros_total) / 1e6);
    bounds.assign(eventstore::LogStats::kBatchEventsBounds.begin(),
                  eventstore::LogStats::kBatchEventsBounds.end());
    w.family("tally_log_batch_events", "histogram", "Group commits by the events they wrote");
    w.histogram("tally_log_batch_events", {}, bounds, s.batch_events_buckets, double(s.events));
  });
  metrics.add_collector([projectors](api::MetricsWriter& w) {
    std::vector<projections::ProjectorStatus> all;
    for (const auto* p : projectors) all.push_back(p->status());
    w.family("tally_projection_position", "gauge", "The last log position a read model applied");
    for (const auto& s : all)
      w.sample("tally_projection_position", {{"name", s.name}}, double(s.position.value));
    w.family("tally_projection_lag_events", "gauge", "Log head minus the read model's position");
    for (const auto& s : all)
      w.sample("tally_projection_lag_events", {{"name", s.name}}, double(s.lag));
    w.family("tally_projection_up", "gauge", "1 unless the read model has failed");
    for (const auto& s : all)
      w.sample("tally_projection_up", {{"name", s.name}}, s.state == "failed" ? 0 : 1);
  });
  if (runner)
    metrics.add_collector([runner](api::MetricsWriter& w) {
      const auto s = runner->stats();
      w.family("tally_process_fired_total", "counter", "Due items fired");
      w.sample("tally_process_fired_total", {}, double(s.fired));
      w.family("tally_process_failed_total", "counter", "Firings that failed (retried)");
      w.sample("tally_process_failed_total", {}, double(s.failed));
      w.family("tally_process_firing_lag_seconds_total", "counter",
               "Due time to command appended, summed over fired items");
      w.sample("tally_process_firing_lag_seconds_total", {}, double(s.lag_micros_total) / 1e6);
      w.family("tally_process_firing_lag_max_seconds", "gauge", "The largest firing lag seen");
      w.sample("tally_process_firing_lag_max_seconds", {}, double(s.lag_micros_max) / 1e6);
    });
  metrics.add_collector([&gate](api::MetricsWriter& w) {
    w.family("tally_http_commands_in_flight", "gauge", "Commands admitted and not yet answered");
    w.sample("tally_http_commands_in_flight", {}, double(gate.in_flight()));
  });
}

}  // namespace tally::tools
