#include "eventstore/raw_baseline.h"

#include <rocksdb/write_batch.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "eventstore/codec.h"
#include "eventstore/rocks.h"

namespace tally::eventstore {
namespace {

Result<std::unique_ptr<rocks::Database>> open_database(const std::filesystem::path& dir) {
  rocksdb::DBOptions options;
  options.max_background_jobs = 2;
  rocksdb::ColumnFamilyOptions values;
  values.write_buffer_size = 64 << 20;  // as the log's events family
  return rocks::Database::open(dir, options, {{"values", values}});
}

class WriteGroupBaseline final : public RawBaseline {
 public:
  explicit WriteGroupBaseline(std::unique_ptr<rocks::Database> db) : db_(std::move(db)) {}

  Status append(std::string_view value) override {
    rocksdb::WriteBatch batch;
    batch.Put(db_->family(0), codec::position_key(Position(++next_)), value);
    rocksdb::WriteOptions sync;
    sync.sync = true;
    return rocks::check(db_->db().Write(sync, &batch), "raw write");
  }

 private:
  std::unique_ptr<rocks::Database> db_;
  std::atomic<std::uint64_t> next_{0};
};

class WriterThreadBaseline final : public RawBaseline {
 public:
  explicit WriterThreadBaseline(std::unique_ptr<rocks::Database> db)
      : db_(std::move(db)), thread_([this] { run(); }) {}

  ~WriterThreadBaseline() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_one();
    thread_.join();
  }

  Status append(std::string_view value) override {
    std::promise<Status> done;
    auto answer = done.get_future();
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(Item{value, &done});
    }
    changed_.notify_one();
    return answer.get();
  }

  std::optional<std::uint64_t> synced_writes() const override { return writes_.load(); }

 private:
  struct Item {
    std::string_view value;  // the producer waits, so its bytes outlive the write
    std::promise<Status>* done;
  };

  void run() {
    std::vector<Item> batch;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        batch.swap(queue_);
      }
      rocksdb::WriteBatch write;
      for (const auto& item : batch)
        write.Put(db_->family(0), codec::position_key(Position(++next_)), item.value);
      rocksdb::WriteOptions sync;
      sync.sync = true;
      const Status status = rocks::check(db_->db().Write(sync, &write), "raw write");
      writes_.fetch_add(1, std::memory_order_relaxed);
      for (auto& item : batch) item.done->set_value(status);
      batch.clear();
    }
  }

  std::unique_ptr<rocks::Database> db_;
  std::uint64_t next_ = 0;
  std::atomic<std::uint64_t> writes_{0};
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Item> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<RawBaseline>> RawBaseline::open(const std::filesystem::path& dir,
                                                       Batching batching) {
  auto db = open_database(dir);
  if (!db) return tl::unexpected(db.error());
  if (batching == Batching::rocksdb_write_group)
    return std::unique_ptr<RawBaseline>(new WriteGroupBaseline(std::move(*db)));
  return std::unique_ptr<RawBaseline>(new WriterThreadBaseline(std::move(*db)));
}

Result<RawScan> raw_scan_events(const std::filesystem::path& data_dir) {
  const std::string path = (data_dir / "log").string();
  std::vector<std::string> names;
  auto s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names);
  if (!s.ok()) return tl::unexpected(rocks::to_error(s, "listing the log's families"));
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, descriptors, &handles, &raw);
  if (!s.ok()) return tl::unexpected(rocks::to_error(s, "opening the log read-only"));
  std::unique_ptr<rocksdb::DB> db(raw);
  RawScan scan;
  Status status;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] != "events") continue;
    const auto started = std::chrono::steady_clock::now();
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[i]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++scan.events;
      scan.bytes += it->value().size();
    }
    scan.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    status = rocks::check(it->status(), "scanning the log");
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  if (!status) return tl::unexpected(status.error());
  return scan;
}

}  // namespace tally::eventstore
