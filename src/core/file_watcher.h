#pragma once
// Calls back when a file is written or replaced (editors often write a new file and rename it
// over the old one, so the folder is watched, not the file). Changes that come in a burst are
// reported once, after `settle` without further events.
//
// Threading: the callback runs on the watcher's own thread; the destructor stops and joins it.
#include <functional>
#include <string>
#include <thread>

#include "core/duration.h"

namespace sy {

class file_watcher {
 public:
  file_watcher(std::string path, std::function<void()> on_change, duration settle = std::chrono::milliseconds(200));
  ~file_watcher();
  file_watcher(const file_watcher&) = delete;
  file_watcher& operator=(const file_watcher&) = delete;

  bool active() const { return inotify_fd_ >= 0; }

 private:
  void run();

  std::string dir_, name_;
  std::function<void()> on_change_;
  duration settle_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;  // eventfd: wakes the thread to exit
  std::thread thread_;
};

}  // namespace sy
