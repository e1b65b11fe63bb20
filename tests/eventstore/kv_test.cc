// The read-model store skips RocksDB's WAL (kv.h): what a clean close must still keep.
#include "eventstore/kv.h"

#include <doctest/doctest.h>

#include "support.h"

namespace tally::eventstore {
namespace {

using test::TempDir;

TEST_CASE("a closed and reopened read-model store has every batch written before the close") {
  TempDir dir;
  {
    auto store = KvStore::open(dir.path() / "views").value();
    for (int i = 0; i < 1000; ++i) {
      KvBatch batch;
      batch.put("r/" + std::to_string(i), std::to_string(i * i));
      batch.put("c/checkpoint", std::to_string(i));
      REQUIRE(store->write(std::move(batch)));
    }
    KvBatch erase;
    erase.erase("r/7");
    REQUIRE(store->write(std::move(erase)));
  }
  auto store = KvStore::open(dir.path() / "views").value();
  const auto snapshot = store->snapshot();
  CHECK(snapshot->get("c/checkpoint").value() == "999");
  CHECK(snapshot->get("r/998").value() == std::to_string(998 * 998));
  CHECK_FALSE(snapshot->get("r/7").value().has_value());
  CHECK(snapshot->scan("r/", prefix_end("r/"), 10'000).value().size() == 999);
}

}  // namespace
}  // namespace tally::eventstore
