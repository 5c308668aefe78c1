#pragma once
// An exclusive lock between processes (flock) on a lock file, so that two pulls of one file
// download it once: the second waits, then finds the finished file. The holder removes the lock
// file when it lets go; a waiter that then holds a removed file opens the path again.
#include <atomic>
#include <functional>
#include <string>

namespace sy::hub {

class file_lock {
 public:
  // Blocks until the lock is held. `on_wait` is called once if another process holds it;
  // `cancel`, when set while waiting, makes the constructor throw hub_error. Throws hub_error
  // when the lock file cannot be created.
  explicit file_lock(const std::string& path, const std::function<void()>& on_wait = {},
                     const std::atomic<bool>* cancel = nullptr);
  ~file_lock();  // removes the lock file, then unlocks
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace sy::hub
