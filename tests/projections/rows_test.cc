// Rows: reads see unwritten changes, and forgetting rows never brings back old values.
#include <doctest/doctest.h>

#include "eventstore/support.h"
#include "projections/projection.h"

namespace tally::projections {
namespace {

using eventstore::test::TempDir;

std::optional<std::string> stored(eventstore::KvStore& store, const std::string& key) {
  return store.snapshot()->get(key).value();
}

TEST_CASE("rows read their own changes before they are written, and write each once") {
  TempDir dir;
  auto store = eventstore::KvStore::open(dir.path() / "views").value();
  Rows rows(store->snapshot(), "m/");
  rows.put("a", "1");
  rows.put("a", "2");
  rows.put("b", "x");
  rows.erase("b");
  CHECK(rows.get("a").value() == std::optional<std::string>("2"));
  CHECK(rows.get("b").value() == std::nullopt);
  CHECK(stored(*store, "m/a") == std::nullopt);
  eventstore::KvBatch batch;
  rows.write_to(batch);
  REQUIRE(store->write(std::move(batch)));
  CHECK(stored(*store, "m/a") == std::optional<std::string>("2"));
  CHECK(stored(*store, "m/b") == std::nullopt);
}

TEST_CASE("rows forgotten past the bound are read back with their written values") {
  TempDir dir;
  auto store = eventstore::KvStore::open(dir.path() / "views").value();
  Rows rows(store->snapshot(), "m/", /*remembered=*/2);
  for (const char* key : {"a", "b", "c"}) rows.put(key, std::string("v-") + key);
  eventstore::KvBatch batch;
  rows.write_to(batch);
  REQUIRE(store->write(std::move(batch)));
  rows.rebase(store->snapshot());  // over the bound: everything is forgotten here
  CHECK(rows.get("a").value() == std::optional<std::string>("v-a"));
  rows.put("a", "again");
  CHECK(rows.get("a").value() == std::optional<std::string>("again"));
}

TEST_CASE("keys under a prefix are the stored ones with the changes since") {
  TempDir dir;
  auto store = eventstore::KvStore::open(dir.path() / "views").value();
  eventstore::KvBatch stored_rows;
  for (const char* key : {"m/o/1", "m/o/2", "m/o/3", "m/p/9", "n/o/4"}) stored_rows.put(key, "");
  REQUIRE(store->write(std::move(stored_rows)));
  Rows rows(store->snapshot(), "m/");
  rows.erase("o/2");
  rows.put("o/5", "");
  rows.put("p/7", "");
  CHECK(rows.keys("o/").value() == std::vector<std::string>{"o/1", "o/3", "o/5"});
  CHECK(rows.keys("q/").value().empty());
}

TEST_CASE("added rows are written with the changes, seen by keys, and undone by a later erase") {
  TempDir dir;
  auto store = eventstore::KvStore::open(dir.path() / "views").value();
  Rows rows(store->snapshot(), "m/");
  rows.add("h/2", "second");
  rows.add("h/1", "first");
  rows.add("h/3", "gone");
  CHECK(rows.changed());
  CHECK(rows.keys("h/").value() == std::vector<std::string>{"h/1", "h/2", "h/3"});
  rows.erase("h/3");  // an erasure of the history, before it was written
  CHECK(rows.keys("h/").value() == std::vector<std::string>{"h/1", "h/2"});
  eventstore::KvBatch batch;
  rows.write_to(batch);
  CHECK_FALSE(rows.changed());
  REQUIRE(store->write(std::move(batch)));
  CHECK(stored(*store, "m/h/1") == std::optional<std::string>("first"));
  CHECK(stored(*store, "m/h/2") == std::optional<std::string>("second"));
  CHECK(stored(*store, "m/h/3") == std::nullopt);
  rows.rebase(store->snapshot());
  CHECK(rows.get("h/1").value() == std::optional<std::string>("first"));
}

}  // namespace
}  // namespace tally::projections
