#include "hub/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "hub/hub_error.h"

namespace sy::hub {

file_lock::file_lock(const std::string& path, const std::function<void()>& on_wait, const std::atomic<bool>* cancel)
    : path_(path) {
  bool told = false;
  for (;;) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw hub_error(path + ": cannot create the lock file: " + std::strerror(errno));
    // poll, so that a cancelled pull stops waiting
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR) {
        int e = errno;
        ::close(fd);
        throw hub_error(path + ": cannot lock: " + std::strerror(e));
      }
      if (!told && on_wait) on_wait();
      told = true;
      if (cancel && cancel->load()) {
        ::close(fd);
        throw hub_error("cancelled");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    // the previous holder may have removed the file before we got it: then lock the new one
    struct stat held {
    }, now{};
    if (::fstat(fd, &held) == 0 && ::stat(path.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
        held.st_dev == now.st_dev) {
      fd_ = fd;
      return;
    }
    ::close(fd);
  }
}

file_lock::~file_lock() {
  ::unlink(path_.c_str());
  ::close(fd_);  // releases the lock
}

}  // namespace sy::hub
