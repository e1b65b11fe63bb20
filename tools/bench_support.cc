#include "tools/bench_support.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace tally::tools {

using SteadyClock = std::chrono::steady_clock;

namespace {

double process_cpu_us() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto us = [](const timeval& t) { return double(t.tv_sec) * 1e6 + double(t.tv_usec); };
  return us(usage.ru_utime) + us(usage.ru_stime);
}

}  // namespace

Figures drive(int callers, int total, int inflight, const Submit& submit) {
  std::vector<std::vector<double>> latencies(callers);
  std::vector<std::thread> threads;
  const auto start = SteadyClock::now();
  const double cpu_start = process_cpu_us();
  for (int p = 0; p < callers; ++p) {
    threads.emplace_back([&, p] {
      const int quota = total / callers + (p < total % callers ? 1 : 0);
      auto& mine = latencies[p];
      mine.reserve(quota);
      std::mutex mutex;
      std::condition_variable changed;
      int started = 0, finished = 0;
      std::unique_lock lock(mutex);
      while (finished < quota) {
        while (started < quota && started - finished < inflight) {
          ++started;
          lock.unlock();
          const auto begun = SteadyClock::now();
          submit(p, [&, begun] {
            const double us =
                std::chrono::duration<double, std::micro>(SteadyClock::now() - begun).count();
            {
              std::lock_guard done_lock(mutex);
              mine.push_back(us);
              ++finished;
            }
            changed.notify_one();  // after unlocking: the caller wakes to a free mutex
          });
          lock.lock();
        }
        changed.wait(lock, [&] {
          return finished == quota || (started < quota && started - finished < inflight);
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  const double cpu = process_cpu_us() - cpu_start;
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double q) { return all.empty() ? 0 : all[std::size_t(q * (all.size() - 1))]; };
  return Figures{double(all.size()) / seconds, pct(0.50), pct(0.99),
                 all.empty() ? 0 : cpu / double(all.size())};
}

Figures median(std::vector<Figures> runs) {
  std::sort(runs.begin(), runs.end(), [](auto& a, auto& b) { return a.per_second < b.per_second; });
  return runs[runs.size() / 2];
}

void print_header(std::string_view unit) {
  fmt::print("\n{:<34} {:>12} {:>10} {:>10} {:>10}\n", "", unit, "p50 µs", "p99 µs", "CPU µs/op");
}

void print_row(std::string_view name, const Figures& f) {
  fmt::print("{:<34} {:>12.0f} {:>10.0f} {:>10.0f} {:>10.1f}\n", name, f.per_second, f.p50_us,
             f.p99_us, f.cpu_us);
}

std::filesystem::path scratch_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  return std::filesystem::temp_directory_path() / ("tally-bench-" + std::to_string(::getpid()));
}

void die(const std::string& what) {
  fmt::print(stderr, "tally bench: {}\n", what);
  std::exit(2);
}

}  // namespace tally::tools
