#include <doctest/doctest.h>

#include <fstream>

#include "support.h"

namespace tally::eventstore {
using namespace test;

namespace {
Code open_code(const std::filesystem::path& dir) {
  auto log = Log::open(dir);
  return log ? Code::ok : log.error().code;
}
void write_file(const std::filesystem::path& path, std::string_view text) {
  std::ofstream(path, std::ios::binary) << text;
}
}  // namespace

TEST_CASE("a missing or empty dir becomes a data dir") {
  TempDir dir;
  CHECK(open_code(dir.data()) == Code::ok);
  CHECK(std::filesystem::exists(dir.data() / "FORMAT"));
  std::filesystem::create_directory(dir.path() / "empty");
  CHECK(open_code(dir.path() / "empty") == Code::ok);
}

TEST_CASE("an inspecting open never makes a data dir where there is none") {
  TempDir dir;
  const LogOptions inspect{.create_if_missing = false};
  auto missing = Log::open(dir.data(), inspect);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Code::not_found);
  CHECK_FALSE(std::filesystem::exists(dir.data()));
  std::filesystem::create_directory(dir.data());
  CHECK(Log::open(dir.data(), inspect).error().code == Code::not_found);
  CHECK(std::filesystem::is_empty(dir.data()));
  CHECK(open_code(dir.data()) == Code::ok);  // the default open makes it
  CHECK(Log::open(dir.data(), inspect));
}

TEST_CASE("a dir with foreign content is refused and left as it was") {
  TempDir dir;
  std::filesystem::create_directory(dir.data());
  write_file(dir.data() / "notes.txt", "my thesis");
  auto log = Log::open(dir.data());
  REQUIRE_FALSE(log);
  CHECK(log.error().code == Code::not_a_data_dir);
  CHECK(log.error().message.find(dir.data().string()) != std::string::npos);
  CHECK(std::distance(std::filesystem::directory_iterator(dir.data()), {}) == 1);

  write_file(dir.path() / "plain-file", "x");
  CHECK(open_code(dir.path() / "plain-file") == Code::not_a_data_dir);
}

TEST_CASE("a data dir of another format version is refused") {
  TempDir dir;
  std::filesystem::create_directory(dir.data());
  write_file(dir.data() / "FORMAT", "tally data dir, format 99\n");
  auto log = Log::open(dir.data());
  REQUIRE_FALSE(log);
  CHECK(log.error().code == Code::incompatible_format);
  // The format found, as one line: the message ends the line the tool prints.
  CHECK(log.error().message.ends_with("cannot read: tally data dir, format 99"));
}

TEST_CASE("a data dir already open is refused, and free again once closed") {
  TempDir dir;
  {
    auto first = open_log(dir.data());
    auto second = Log::open(dir.data());
    REQUIRE_FALSE(second);
    CHECK(second.error().code == Code::data_dir_locked);
    CHECK(first->append(one_event("s-1")));  // the first holder is unaffected
  }
  CHECK(open_code(dir.data()) == Code::ok);
}

TEST_CASE("damaged database files give a clear error, never a crash or a reset") {
  TempDir dir;
  {
    auto log = open_log(dir.data());
    REQUIRE(log->append(one_event("s-1")));
  }
  // CURRENT names the manifest; garbage there is damage RocksDB must report.
  write_file(dir.data() / "log" / "CURRENT", "MANIFEST-999999\n");
  auto log = Log::open(dir.data());
  REQUIRE_FALSE(log);
  CHECK((log.error().code == Code::corruption || log.error().code == Code::io_error));
  CHECK(std::filesystem::exists(dir.data() / "log" / "CURRENT"));
}

TEST_CASE("a file the log names but the disk lost is damage, not an I/O error") {
  TempDir dir;
  { REQUIRE(open_log(dir.data())->append(one_event("s-1"))); }
  for (const auto& f : std::filesystem::directory_iterator(dir.data() / "log"))
    if (f.path().filename().string().starts_with("MANIFEST-")) std::filesystem::remove(f.path());
  CHECK(open_code(dir.data()) == Code::corruption);
}

TEST_CASE("a log or key store missing from a data dir in use is refused, never made anew") {
  namespace fs = std::filesystem;
  TempDir dir;
  {
    auto log = open_log(dir.data());
    REQUIRE(log->append(one_event("s-1")));
  }
  const auto moved = dir.path() / "moved";
  fs::create_directory(moved);
  const auto refused_saying = [&](std::string_view says) {
    auto log = Log::open(dir.data());
    REQUIRE_FALSE(log);
    CHECK(log.error().code == Code::corruption);
    CHECK(log.error().message.find(says) != std::string::npos);
  };

  SUBCASE("the log missing, or emptied (a volume not mounted)") {
    fs::rename(dir.data() / "log", moved / "log");
    refused_saying("log is never made anew");
    CHECK_FALSE(fs::exists(dir.data() / "log"));
    fs::create_directory(dir.data() / "log");
    CHECK(open_code(dir.data()) == Code::corruption);
    CHECK(fs::is_empty(dir.data() / "log"));
  }
  SUBCASE("the key store missing while the log holds events") {
    fs::rename(dir.data() / "keys", moved / "keys");
    refused_saying("keys are never made anew");
    CHECK_FALSE(fs::exists(dir.data() / "keys"));
    // Put back, the dir opens with its events.
    fs::rename(moved / "keys", dir.data() / "keys");
    CHECK(open_log(dir.data())->head() == Position(1));
  }
}

TEST_CASE("a data dir whose first making stopped half way is made whole") {
  namespace fs = std::filesystem;
  TempDir dir;
  { open_log(dir.data()); }
  // Stopped after the log was made, before the key store: no event can be in the log yet.
  fs::remove_all(dir.data() / "keys");
  CHECK(open_code(dir.data()) == Code::ok);
  CHECK(fs::exists(dir.data() / "keys" / "CURRENT"));
  // Stopped after FORMAT, before the log.
  fs::remove_all(dir.data() / "keys");
  fs::remove_all(dir.data() / "log");
  CHECK(open_code(dir.data()) == Code::ok);
}

TEST_CASE("a read-only open writes nothing, shares the dir with readers only, and appends fail") {
  TempDir dir;
  { REQUIRE(open_log(dir.data())->append(one_event("s-1"))); }
  const LogOptions reader{.create_if_missing = false, .read_only = true};
  auto first = Log::open(dir.data(), reader);
  REQUIRE(first);
  auto second = Log::open(dir.data(), reader);
  REQUIRE(second);
  CHECK((*second)->head() == Position(1));
  CHECK((*second)->verify().value() == std::nullopt);
  CHECK(open_code(dir.data()) == Code::data_dir_locked);  // no writer beside readers
  auto appended = (*first)->append(one_event("s-2"));
  REQUIRE_FALSE(appended);
  CHECK(appended.error().code == Code::invalid_argument);
  CHECK_FALSE((*first)->failure());  // refused up front, not a failed write that stops the log
  first->reset();
  second->reset();
  CHECK(open_log(dir.data())->head() == Position(1));
  // Nothing there: a reader makes nothing.
  CHECK(Log::open(dir.path() / "none", reader).error().code == Code::not_found);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "none"));
}

TEST_CASE("a write-ahead log damaged before its end is refused, never read up to the damage") {
  // Acknowledged events are synced: only a torn last record is a crash's. One flipped byte
  // in the middle used to open the log at the record before it, with every later event gone.
  TempDir dir;
  {
    auto log = open_log(dir.data());
    for (int i = 0; i < 300; ++i) REQUIRE(log->append(one_event("s-" + std::to_string(i % 7))));
  }
  std::filesystem::path wal;
  for (const auto& entry : std::filesystem::directory_iterator(dir.data() / "log"))
    if (entry.path().extension() == ".log" &&
        (wal.empty() || entry.file_size() > std::filesystem::file_size(wal)))
      wal = entry.path();
  REQUIRE_FALSE(wal.empty());
  const auto size = std::filesystem::file_size(wal);
  REQUIRE(size > 10000);
  {
    std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(size / 2));
    const char c = static_cast<char>(f.get());
    f.seekp(static_cast<std::streamoff>(size / 2));
    f.put(static_cast<char>(c ^ 0x5a));
  }
  auto reopened = Log::open(dir.data());
  REQUIRE_FALSE(reopened);
  CHECK(reopened.error().code == Code::corruption);
  // The same for the tools that only read (tally verify: exit 1, damaged).
  auto inspected = Log::open(dir.data(), LogOptions{.create_if_missing = false, .read_only = true});
  REQUIRE_FALSE(inspected);
  CHECK(inspected.error().code == Code::corruption);
}

}  // namespace tally::eventstore
