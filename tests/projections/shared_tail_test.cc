// The shared tail: projectors following the log read each new event from it once, and get
// exactly the log's events whoever read them first; reads far behind go to the log.
#include "projections/shared_tail.h"

#include <doctest/doctest.h>

#include <atomic>

#include "projections/example/counter_views.h"
#include "projections/projector.h"
#include "support.h"

namespace tally::projections {
namespace {

using eventstore::RecordedEvent;
using eventstore::test::open_log;
using eventstore::test::TempDir;
using namespace std::chrono_literals;

// The log, counting the events its pages hand out.
class CountingReader final : public eventstore::ForwardingReader {
 public:
  using ForwardingReader::ForwardingReader;
  std::uint64_t events() const { return events_; }

  Status read_page(Position from, std::size_t max,
                   std::vector<RecordedEvent>& page) const override {
    auto ok = log_.read_page(from, max, page);
    if (ok) events_ += page.size();
    return ok;
  }
  Result<std::vector<RecordedEvent>> read_all(Position from, std::size_t max) const override {
    auto events = log_.read_all(from, max);
    if (events) events_ += events->size();
    return events;
  }

 private:
  mutable std::atomic<std::uint64_t> events_{0};
};

std::vector<RecordedEvent> page_of(const eventstore::Reader& reader, Position from,
                                   std::size_t max) {
  std::vector<RecordedEvent> page;
  REQUIRE(reader.read_page(from, max, page));
  return page;
}

void check_same(const std::vector<RecordedEvent>& got, const std::vector<RecordedEvent>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].position == want[i].position);
    CHECK(got[i].stream == want[i].stream);
    CHECK(got[i].version == want[i].version);
    CHECK(got[i].event_id == want[i].event_id);
    CHECK(got[i].type == want[i].type);
    CHECK(got[i].recorded_at == want[i].recorded_at);
    CHECK(got[i].correlation_id == want[i].correlation_id);
    CHECK(got[i].actor == want[i].actor);
    CHECK(got[i].payload == want[i].payload);
    CHECK(got[i].prev_hash == want[i].prev_hash);
    CHECK(got[i].hash == want[i].hash);
  }
}

TEST_CASE("projectors following through a shared tail read each event from the log once") {
  TempDir dir;
  auto log = open_log(dir.data());
  CountingReader counted(*log);
  SharedTail tail(counted);
  // One store each: the three copies of the same model must not share rows.
  std::vector<std::unique_ptr<eventstore::KvStore>> stores;
  std::vector<std::unique_ptr<example::CounterTotals>> models;
  std::vector<std::unique_ptr<Projector>> projectors;
  for (int i = 0; i < 3; ++i) {
    stores.push_back(
        eventstore::KvStore::open(dir.path() / ("views-" + std::to_string(i))).value());
    models.push_back(std::make_unique<example::CounterTotals>());
    projectors.push_back(std::make_unique<Projector>(tail, *stores.back(), *models.back()));
    REQUIRE(projectors.back()->start());
  }
  for (int round = 0; round < 6; ++round) {
    test::append_increments(*log, 50);
    // Readers asking for the head now, while others have not moved: reads overlap.
    if (round % 2 == 0) projectors[std::size_t(round / 2)]->wait_for(log->head(), 2s);
  }
  for (auto& projector : projectors) {
    REQUIRE(projector->wait_for(Position(300), 5s) == Position(300));
    CHECK(example::sum_of(projector->view().value()).value() == 300);
  }
  CHECK(tail.events_read() == 300);
  CHECK(counted.events() == 300);  // not 900: the other two copied what the first read
}

TEST_CASE("pages from the tail are the log's events, into pages that held other events") {
  TempDir dir;
  auto log = open_log(dir.data());
  for (int i = 0; i < 40; ++i)
    REQUIRE(log->append(eventstore::test::one_event(
        "s-" + std::to_string(i % 3), "{\"n\":" + std::to_string(i) + std::string(i, ' ') + "}")));
  SharedTail tail(*log);
  auto want = log->read_all(Position(1), 100).value();
  std::vector<RecordedEvent> page = page_of(tail, Position(0), 100);  // 0: from the first
  check_same(page, want);
  // The page reused for shorter runs of other events, then for a longer one.
  REQUIRE(tail.read_page(Position(30), 100, page));
  check_same(page, {want.begin() + 29, want.end()});
  REQUIRE(tail.read_page(Position(3), 5, page));
  check_same(page, {want.begin() + 2, want.begin() + 7});
  REQUIRE(tail.read_page(Position(2), 100, page));
  check_same(page, {want.begin() + 1, want.end()});
  check_same(tail.read_all(Position(38), 100).value(), {want.begin() + 37, want.end()});
  CHECK(page_of(tail, Position(41), 10).empty());  // past the head
  CHECK(page_of(tail, Position(5), 0).empty());
}

TEST_CASE("reads far behind the head, or behind what the tail keeps, go to the log alone") {
  TempDir dir;
  auto log = open_log(dir.data());
  test::append_increments(*log, 100);
  CountingReader counted(*log);
  SharedTail tail(counted, 20);
  auto want = log->read_all(Position(1), 100).value();

  check_same(page_of(tail, Position(91), 100), {want.begin() + 90, want.end()});
  CHECK(tail.events_read() == 10);
  // A rebuild from the start: 99 behind the head, more than the 20 kept.
  check_same(page_of(tail, Position(1), 50), {want.begin(), want.begin() + 50});
  CHECK(counted.events() == 60);
  CHECK(tail.events_read() == 10);  // not kept
  // Near the head but before the first event kept (91): read alone, the tail left as it is.
  check_same(page_of(tail, Position(85), 100), {want.begin() + 84, want.end()});
  CHECK(counted.events() == 76);
  check_same(page_of(tail, Position(95), 100), {want.begin() + 94, want.end()});
  CHECK(counted.events() == 76);  // from the tail

  // New events: read once, and beyond 20 kept the oldest go (the tail holds 96..115).
  test::append_increments(*log, 15);
  want = log->read_all(Position(1), 200).value();
  check_same(page_of(tail, Position(101), 100), {want.begin() + 100, want.end()});
  CHECK(tail.events_read() == 25);
  check_same(page_of(tail, Position(96), 100), {want.begin() + 95, want.end()});
  CHECK(tail.events_read() == 25);
  CHECK(counted.events() == 76 + 15);
  check_same(page_of(tail, Position(95), 100), {want.begin() + 94, want.end()});
  CHECK(counted.events() == 76 + 15 + 21);  // 95 was dropped: read alone
}

}  // namespace
}  // namespace tally::projections
