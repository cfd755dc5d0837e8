#include "experiment/progress.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/log.h"

namespace emoaug::experiment {
namespace {

constexpr double kDefaultIntervalSeconds = 30;

std::string minutes_text(double minutes) {
  char buf[48];
  if (minutes < 1)
    return "<1 min";
  else if (minutes < 60)
    std::snprintf(buf, sizeof(buf), "%.0f min", minutes);
  else
    std::snprintf(buf, sizeof(buf), "%d h %02d min", static_cast<int>(minutes) / 60,
                  static_cast<int>(minutes) % 60);
  return buf;
}

}  // namespace

double progress_interval_seconds() {
  const char* text = std::getenv("EMOAUG_PROGRESS_INTERVAL_S");
  if (!text || !*text) return kDefaultIntervalSeconds;
  char* end = nullptr;
  const double seconds = std::strtod(text, &end);
  if (*end != '\0' || !(seconds > 0) || !std::isfinite(seconds)) {
    log_warn("EMOAUG_PROGRESS_INTERVAL_S=%s is not a number of seconds > 0; using %.0f", text,
             kDefaultIntervalSeconds);
    return kDefaultIntervalSeconds;
  }
  return seconds;
}

std::string progress_line(const std::string& what, size_t done, size_t total, size_t done_at_start,
                          double seconds) {
  char buf[256];
  const double minutes = seconds / 60;
  // Tasks finished before this run took no time of it: the rate is this run's own.
  const size_t here = done > done_at_start ? done - done_at_start : 0;
  if (here == 0 || minutes <= 0) {
    std::snprintf(buf, sizeof(buf), "progress: %s %zu/%zu done, none yet in %s", what.c_str(), done,
                  total, minutes_text(minutes).c_str());
    return buf;
  }
  const double rate = here / minutes;
  std::snprintf(buf, sizeof(buf),
                rate < 10 ? "progress: %s %zu/%zu done, %.2f/min, ETA %s"
                          : "progress: %s %zu/%zu done, %.0f/min, ETA %s",
                what.c_str(), done, total, rate,
                done >= total ? "0 min" : minutes_text((total - done) / rate).c_str());
  return buf;
}

StageProgress::StageProgress(std::string what, size_t total, std::function<size_t()> count_done,
                             double interval_s)
    : what_(std::move(what)),
      total_(total),
      done_at_start_(count_done()),
      count_done_(std::move(count_done)) {
  if (done_at_start_ < total_) thread_ = std::thread([this, interval_s] { loop(interval_s); });
}

StageProgress::~StageProgress() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StageProgress::loop(double interval_s) {
  const auto started = std::chrono::steady_clock::now();
  const auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(interval_s));
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    // From the last line, not on a fixed grid: a late wake-up on a busy node never makes two lines
    // in a row.
    if (wake_.wait_for(lock, interval, [this] { return stopping_; })) return;
    const size_t done = count_done_();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    log_info("%s", progress_line(what_, done, total_, done_at_start_, seconds).c_str());
  }
}

}  // namespace emoaug::experiment
