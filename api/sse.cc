#include "api/sse.h"

#include "api/event_json.h"

namespace tally::api {

LogNotifier::LogNotifier(const eventstore::Reader& log) : log_(log) {
  thread_ = std::thread([this] { loop(); });
}

LogNotifier::~LogNotifier() {
  stop();
  thread_.join();
}

void LogNotifier::stop() {
  stopping_ = true;
  std::vector<std::pair<Position, std::function<void()>>> all;
  {
    std::lock_guard lock(mutex_);
    all.swap(waiting_);
    someone_waits_.notify_one();
  }
  for (auto& [after, wake] : all) wake();
}

void LogNotifier::notify_beyond(Position after, std::function<void()> wake) {
  {
    std::lock_guard lock(mutex_);
    // Checked under the lock the loop takes to collect: a commit cannot slip in between.
    if (!stopping_ && log_.head() <= after) {
      waiting_.emplace_back(after, std::move(wake));
      someone_waits_.notify_one();
      return;
    }
  }
  wake();
}

void LogNotifier::loop() {
  Position seen(0);
  while (!stopping_) {
    {
      // With no stream waiting, commits are none of this thread's business: waking for each
      // would cost a thread switch per commit.
      std::unique_lock lock(mutex_);
      someone_waits_.wait(lock, [&] { return !waiting_.empty() || stopping_; });
    }
    // Waiters are checked against the head after every wait, not only after a change seen
    // here: one may have registered after this thread last read the head.
    const Position head = log_.wait_beyond(seen, std::chrono::milliseconds(200));
    seen = head;
    std::vector<std::function<void()>> due;
    {
      std::lock_guard lock(mutex_);
      std::erase_if(waiting_, [&](auto& w) {
        if (w.first >= head) return false;
        due.push_back(std::move(w.second));
        return true;
      });
    }
    for (auto& wake : due) wake();
  }
}

std::optional<std::string> LogEventStream::poll() {
  if (notifier_.stopped()) return std::nullopt;
  // A page per poll: each is written before the next is read, which is the flow control.
  auto events = log_.read_all(next_, 256);
  if (!events) return std::nullopt;  // the client reconnects with Last-Event-ID
  std::string out;
  for (const auto& e : *events) {
    out += "id: " + std::to_string(e.position.value) + "\ndata: ";
    out +=
        event_json(e, subject_keys_).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += "\n\n";
    next_ = e.position.next();
  }
  return out;
}

void LogEventStream::notify_when_ready(std::function<void()> wake) {
  notifier_.notify_beyond(Position(next_.value - 1), std::move(wake));
}

}  // namespace tally::api
