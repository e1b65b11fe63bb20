#include "api/sse.h"

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>

#include "api/context.h"
#include "api/metrics.h"
#include "eventstore/support.h"

namespace tally::api {
namespace {

// An in-memory log: what the SSE stream and the notifier read, and nothing else.
class MemoryLog final : public eventstore::Reader {
 public:
  void add(std::string stream) {
    {
      std::lock_guard lock(mutex_);
      eventstore::RecordedEvent e;
      e.position = Position(events_.size() + 1);
      e.stream = std::move(stream);
      e.version = StreamVersion(1);
      e.type = "test.happened";
      e.payload = R"({"n":)" + std::to_string(events_.size() + 1) + "}";
      events_.push_back(std::move(e));
    }
    changed_.notify_all();
  }
  Result<std::vector<eventstore::RecordedEvent>> read_stream(std::string_view, StreamVersion,
                                                             std::size_t) const override {
    return std::vector<eventstore::RecordedEvent>{};
  }
  Result<std::vector<eventstore::RecordedEvent>> read_all(Position from,
                                                          std::size_t max) const override {
    std::lock_guard lock(mutex_);
    std::vector<eventstore::RecordedEvent> out;
    for (std::size_t i = from.value == 0 ? 0 : from.value - 1;
         i < events_.size() && out.size() < max; ++i)
      out.push_back(events_[i]);
    return out;
  }
  Position head() const override {
    std::lock_guard lock(mutex_);
    return Position(events_.size());
  }
  Result<StreamVersion> stream_version(std::string_view) const override { return StreamVersion(0); }
  Position wait_beyond(Position after, std::chrono::milliseconds timeout) const override {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return events_.size() > after.value; });
    return Position(events_.size());
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<eventstore::RecordedEvent> events_;
};

// A subject key store in a temporary dir, for the streams' PII rendering.
struct Keys {
  eventstore::test::TempDir dir;
  std::unique_ptr<eventstore::KeyStore> keys =
      eventstore::KeyStore::open(dir.path() / "keys").value();
  const eventstore::KeyStore& store() const { return *keys; }
};

std::vector<std::uint64_t> ids_in(const std::string& text) {
  std::vector<std::uint64_t> ids;
  for (std::size_t at = text.find("id: "); at != std::string::npos; at = text.find("id: ", at + 1))
    ids.push_back(std::stoull(text.substr(at + 4)));
  return ids;
}

TEST_CASE("an SSE stream sends each event once, id = position, data = the event JSON") {
  MemoryLog log;
  Keys keys;
  for (int i = 0; i < 300; ++i) log.add("counter-" + std::to_string(i % 3));
  LogNotifier notifier(log);
  LogEventStream stream(log, keys.store(), notifier, Position(5));
  std::string all;
  for (int i = 0; i < 3; ++i) all += *stream.poll();  // pages of at most 256
  CHECK(stream.poll()->empty());                      // caught up: nothing ready
  const auto ids = ids_in(all);
  REQUIRE(ids.size() == 296);
  for (std::size_t i = 0; i < ids.size(); ++i) CHECK(ids[i] == i + 5);
  const auto first = all.substr(0, all.find("\n\n"));
  CHECK(first.rfind("id: 5\ndata: ", 0) == 0);
  const auto data = nlohmann::json::parse(first.substr(first.find("data: ") + 6));
  CHECK(data["position"] == 5);
  CHECK(data["data"]["n"] == 5);
  log.add("counter-x");  // live, after catching up
  CHECK(ids_in(*stream.poll()) == std::vector<std::uint64_t>{301});
}

TEST_CASE("the notifier wakes a caught-up stream on the next commit, at once if it is past") {
  MemoryLog log;
  log.add("a-1");
  LogNotifier notifier(log);
  std::atomic<int> woken{0};
  notifier.notify_beyond(Position(0), [&] { ++woken; });  // already beyond: at once
  CHECK(woken == 1);
  notifier.notify_beyond(Position(1), [&] { ++woken; });
  CHECK(woken == 1);
  log.add("a-2");
  for (int i = 0; i < 200 && woken < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(woken == 2);
  notifier.notify_beyond(Position(2), [&] { ++woken; });
  notifier.stop();  // stop wakes everyone, and the streams end
  CHECK(woken == 3);
  Keys keys;
  LogEventStream stream(log, keys.store(), notifier, Position(1));
  CHECK_FALSE(stream.poll().has_value());
}

TEST_CASE("the command gate admits up to its limit and frees a place when a ticket goes") {
  InflightGate gate(2);
  auto a = gate.try_enter();
  auto b = gate.try_enter();
  CHECK(a);
  CHECK(b);
  CHECK_FALSE(gate.try_enter());
  CHECK(gate.in_flight() == 2);
  a.reset();
  CHECK(gate.in_flight() == 1);
  CHECK(gate.try_enter());
  InflightGate closed(0);
  CHECK_FALSE(closed.try_enter());
}

TEST_CASE("metrics: counters by route and status, cumulative buckets, escaped labels") {
  Metrics m;
  m.observe_request("GET", "/a", 200, "", std::chrono::microseconds(300));
  m.observe_request("GET", "/a", 200, "", std::chrono::microseconds(3000));
  m.observe_request("BREW", "/a\"b", 404, "not_found", std::chrono::seconds(10));
  m.add_collector([](MetricsWriter& w) {
    w.family("extra_total", "counter", "extra");
    w.sample("extra_total", {}, 7);
  });
  const std::string text = m.render();
  CHECK(text.find(R"(tally_http_requests_total{method="GET",route="/a",status="200"} 2)") !=
        std::string::npos);
  CHECK(text.find(R"(method="other",route="/a\"b",status="404")") != std::string::npos);
  CHECK(text.find(R"(_bucket{route="/a",le="0.0005"} 1)") != std::string::npos);
  CHECK(text.find(R"(_bucket{route="/a",le="0.005"} 2)") != std::string::npos);
  CHECK(text.find(R"(_bucket{route="/a",le="+Inf"} 2)") != std::string::npos);
  CHECK(text.find(R"(_bucket{route="/a\"b",le="2.5"} 0)") != std::string::npos);
  CHECK(text.find(R"(tally_http_errors_total{code="not_found"} 1)") != std::string::npos);
  CHECK(text.find("extra_total 7\n") != std::string::npos);
}

}  // namespace
}  // namespace tally::api
