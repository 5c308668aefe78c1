#include "hub/file_download.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "core/sha256.h"
#include "hub/file_lock.h"
#include "hub/hub_error.h"
#include "hub/hub_http.h"

namespace fs = std::filesystem;

namespace sy::hub {
namespace {

using clock = std::chrono::steady_clock;

constexpr uint64_t min_block = uint64_t{4} << 20, max_block = uint64_t{32} << 20;  // see plan_chunks
constexpr size_t max_chunks = 60000;                                               // lines of a .progress record

// One byte range of the file; `done` bytes from `start` are on disk.
struct chunk {
  uint64_t start = 0, end = 0;  // [start, end)
  std::atomic<uint64_t> done{0};
  chunk() = default;
  chunk(uint64_t s, uint64_t e, uint64_t d) : start(s), end(e), done(d) {}
  chunk(const chunk& o) : start(o.start), end(o.end), done(o.done.load()) {}
};

std::string progress_path(const download_request& r) {
  return r.partial_path + ".progress";
}

// <partial>.progress: "switchyard-partial 1 <size> <sha256|->" then "<start> <end> <done>" lines.
void save_progress(const download_request& r, const std::vector<chunk>& chunks) {
  std::string tmp = progress_path(r) + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "switchyard-partial 1 " << r.size << " " << (r.sha256.empty() ? "-" : r.sha256) << "\n";
    for (const auto& c : chunks) out << c.start << " " << c.end << " " << c.done.load() << "\n";
    if (!out) return;  // best effort: a lost record only costs a re-download
  }
  std::error_code ec;
  fs::rename(tmp, progress_path(r), ec);
}

// The chunks recorded by an earlier run for this very file, each trusted no further than the
// partial file's length; empty when there is no usable record.
std::vector<chunk> load_progress(const download_request& r, uint64_t partial_size) {
  std::ifstream in(progress_path(r));
  std::string magic, sha;
  int version = 0;
  uint64_t size = 0;
  if (!(in >> magic >> version >> size >> sha) || magic != "switchyard-partial" || version != 1 || size != r.size ||
      sha != (r.sha256.empty() ? "-" : r.sha256))
    return {};
  std::vector<chunk> out;
  uint64_t expect = 0;
  uint64_t s = 0, e = 0, d = 0;
  while (in >> s >> e >> d) {
    if (s != expect || e <= s || e > size || d > e - s || out.size() >= max_chunks) return {};
    uint64_t on_disk = partial_size > s ? std::min(partial_size - s, d) : 0;
    out.emplace_back(s, e, on_disk);
    expect = e;
  }
  if (expect != size) return {};
  return out;
}

// The blocks of a download, in file order. Workers take them in that order, so the bytes on disk
// grow as one contiguous prefix (a few blocks in flight at its edge) that the hash follows while
// the rest arrives. One block for one connection; else blocks of about a connection's share,
// between min_block and max_block, shrinking towards the end of the file (guided scheduling: the
// last blocks are small, so the connections finish together and little is left to hash after the
// last byte). A file that splits into shares below min_block is split evenly.
std::vector<chunk> plan_chunks(uint64_t size, unsigned n) {
  std::vector<chunk> out;
  if (size == 0) return out;
  if (n <= 1) {
    out.emplace_back(0, size, 0);
    return out;
  }
  uint64_t share = size / n + (size % n != 0);
  uint64_t floor = std::max(std::min(min_block, share), size / max_chunks + 1);
  for (uint64_t at = 0; at < size;) {
    uint64_t left = size - at;
    uint64_t len = std::clamp<uint64_t>(left / n + (left % n != 0), floor, std::max(floor, max_block));
    len = std::min(len, left);
    out.emplace_back(at, at + len, 0);
    at += len;
  }
  return out;
}

void remove_partial(const download_request& r) {
  std::error_code ec;
  fs::remove(r.partial_path, ec);
  fs::remove(progress_path(r), ec);
}

// Shared by the chunk threads: the first fatal error stops the others.
struct shared_state {
  std::mutex m;
  std::string error;
  int error_status = 0;
  std::atomic<bool> stop{false};
  void fail(const hub_error& e) {
    std::lock_guard lock(m);
    if (error.empty()) {
      error = e.what();
      error_status = e.status();
    }
    stop = true;
  }
};

// An answer that retrying cannot fix (wrong range, disk full): fails the download at once.
struct refused : hub_error {
  using hub_error::hub_error;
};

bool fatal_status(unsigned s) {
  return s == 400 || s == 401 || s == 403 || s == 404 || s == 410 || s == 416;
}

// Downloads what is left of `c` into `fd`, resuming from the byte reached after each failure.
void run_chunk(const download_request& req, const download_options& opt, int fd, chunk& c, shared_state& st,
               std::atomic<uint64_t>& fetched) {
  int failures = 0;
  auto stopping = [&] { return st.stop.load() || (opt.cancel && opt.cancel->load()); };
  while (c.done.load() < c.end - c.start && !stopping()) {
    uint64_t from = c.start + c.done.load();
    uint64_t before = c.done.load();
    get_options go;
    go.timeout = opt.hub.timeout;
    go.user_agent = opt.hub.user_agent;
    go.bearer_token = opt.hub.token;
    go.range = {from, c.end - 1};
    std::optional<std::chrono::milliseconds> wait;
    try {
      http_target t = parse_target(req.url);
      for (int hop = 0;; ++hop) {
        uint64_t at = from;
        // a 200/206 is checked before its body touches the file
        auto check = [&](const http_reply& rep) {
          uint64_t a = 0, b = 0, total = 0;
          if (rep.status == 206) {
            if (!parse_content_range(rep.content_range, a, b, total) || a != from || b != c.end - 1 ||
                total != req.size || rep.content_length != b - a + 1)
              throw refused("bad Content-Range \"" + rep.content_range.substr(0, 80) + "\" for bytes " +
                            std::to_string(from) + "-" + std::to_string(c.end - 1) + " of " + std::to_string(req.size));
          } else if (!(from == 0 && c.end == req.size && rep.content_length == req.size)) {
            throw refused("the server ignored the Range request (HTTP 200): cannot resume or split the download");
          }
        };
        auto r = stream_get(
            t, go,
            [&](const char* data, size_t n) {
              if (n > c.end - at) throw refused("the server sent more bytes than asked for");
              size_t off = 0;
              while (off < n) {
                ssize_t w = ::pwrite(fd, data + off, n - off, off_t(at + off));
                if (w < 0 && errno == EINTR) continue;
                if (w < 0) throw refused(req.partial_path + ": cannot write: " + std::strerror(errno));
                off += size_t(w);
              }
              at += n;
              c.done += n;
              fetched += n;
              return !stopping();
            },
            check);
        auto& rep = r.reply;
        if (is_redirect(rep.status)) {
          if (hop >= 5) throw hub_error("too many redirects");
          if (rep.location.empty()) throw hub_error("redirect without a Location");
          t = follow_redirect(t, rep.location);
          continue;
        }
        if (rep.status == 206 || rep.status == 200) break;
        if (rep.status == 429 || rep.status == 503) {
          auto after = parse_retry_after(rep.retry_after).value_or(std::chrono::seconds(1));
          if (after > opt.hub.max_retry_after)
            throw hub_error("HTTP " + std::to_string(rep.status) + ": the hub asks to wait " +
                                std::to_string(after.count()) + " s; try again later",
                            int(rep.status));
          wait = after;
          throw hub_error(status_message(rep.status, false), int(rep.status));
        }
        if (fatal_status(rep.status) || rep.status < 500)
          throw hub_error(status_message(rep.status, opt.hub.token.has_value()), int(rep.status));
        throw hub_error("HTTP " + std::to_string(rep.status) + " from the hub", int(rep.status));
      }
    } catch (const hub_error& e) {
      if (stopping()) return;
      bool retryable = (e.status() == 0 || e.status() == 429 || e.status() >= 500) && !dynamic_cast<const refused*>(&e);
      if (c.done.load() > before) failures = 0;  // progress made: a fresh budget
      if (!retryable || ++failures > opt.chunk_retries) {
        st.fail(e);
        return;
      }
      auto backoff = wait.value_or(std::chrono::milliseconds(std::min(250 << std::min(failures, 5), 5000)));
      opt.hub.wait(std::chrono::duration_cast<std::chrono::milliseconds>(backoff));
    }
  }
}

// The end of the contiguous prefix of the file that is on disk, followed from the front: each
// chunk is written in order, once, so the bytes below it do not change again in this run.
struct prefix_cursor {
  const std::vector<chunk>& chunks;
  uint64_t size;
  size_t i = 0;
  uint64_t operator()() {
    while (i < chunks.size() && chunks[i].done.load() == chunks[i].end - chunks[i].start) ++i;
    return i < chunks.size() ? chunks[i].start + chunks[i].done.load() : size;
  }
};

// Set once, waited for with a timeout.
struct latch {
  std::mutex m;
  std::condition_variable cv;
  bool set = false;
  void raise() {
    {
      std::lock_guard lock(m);
      set = true;
    }
    cv.notify_all();
  }
  bool wait_for(std::chrono::milliseconds d) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, d, [&] { return set; });
  }
};

// The work that follows the transfer instead of coming after it, each on its own thread:
//   - the sha256 of the contiguous prefix, read back (page cache) as it grows: when the last byte
//     arrives only the tail is left to hash. A resumed download hashes the bytes an earlier run
//     left on disk first (what is on disk, not what was received, is what gets verified);
//   - writeback of every written range (sync_file_range WRITE, which does not wait), so the
//     fdatasync before the rename has little left to write. That fdatasync runs here too, beside
//     the end of the hash.
class follower {
 public:
  enum phase_t { downloading, complete, abandoned };

  follower(int fd, const std::vector<chunk>& chunks, uint64_t size, bool hash) : fd_(fd), chunks_(chunks), size_(size) {
    if (hash) hasher_ = std::thread([this] { hash_loop(); });
    flusher_ = std::thread([this] { flush_loop(); });
  }
  ~follower() { end(abandoned); }
  follower(const follower&) = delete;
  follower& operator=(const follower&) = delete;

  // Every chunk is on disk: hash the rest and sync. Returns at once; wait() waits.
  void finish() { phase_ = complete; }
  // Stops both threads (a failed or cancelled transfer); the partial file stays as it is.
  void abandon() { end(abandoned); }
  // Until the hash and the sync are done, or `d` has passed.
  bool wait_for(std::chrono::milliseconds d) {
    return (!hasher_.joinable() || hashed_.wait_for(d)) && synced_.wait_for(d);
  }
  void join() { end(phase_.load()); }

  uint64_t hashed() const { return hashed_bytes_.load(); }
  // After join(): the digest ("" without a hash), or an error.
  const std::string& digest() const { return digest_; }
  const std::string& error() const { return error_; }

 private:
  void end(phase_t p) {
    if (p == abandoned) phase_ = abandoned;
    if (hasher_.joinable()) hasher_.join();
    if (flusher_.joinable()) flusher_.join();
  }
  void fail(const std::string& e) {
    std::lock_guard lock(m_);
    if (error_.empty()) error_ = e;
  }

  void hash_loop() {
    try {
      sha256_hasher h;
      prefix_cursor prefix{chunks_, size_};
      // read back with pread into one buffer: a mapping would be a little faster, but a file
      // shortened behind our back would then kill the whole process (SIGBUS) — the gateway too
      std::vector<char> buffer(size_t{4} << 20);
      uint64_t at = 0;
      for (;;) {
        phase_t ph = phase_.load();
        if (ph == abandoned) break;
        uint64_t avail = prefix();
        if (avail - at >= min_hash || (ph == complete && avail > at)) {
          uint64_t to = std::min<uint64_t>(avail, at + buffer.size());
          size_t want = size_t(to - at), got = 0;
          while (got < want) {
            ssize_t n = ::pread(fd_, buffer.data() + got, want - got, off_t(at + got));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw hub_error(std::string("cannot read the partial download back: ") + std::strerror(errno));
            if (n == 0) throw hub_error("the partial download is shorter than what was written (truncated?)");
            got += size_t(n);
          }
          h.update(buffer.data(), want);
          at = to;
          hashed_bytes_ = at;
          continue;
        }
        if (ph == complete && at == size_) {
          digest_ = h.hex_digest();
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    } catch (const std::exception& e) {
      fail(e.what());
    }
    hashed_.raise();
  }

  void flush_loop() {
    // bytes already handed to writeback, per chunk; ranges from an earlier run are written back
    // too (nothing says that they reached the disk)
    std::vector<uint64_t> flushed(chunks_.size(), 0);
    size_t first = 0;  // chunks before it are written back whole
    auto sweep = [&](bool all) {
      for (size_t i = first; i < chunks_.size(); ++i) {
        const chunk& c = chunks_[i];
        uint64_t d = c.done.load(), len = c.end - c.start;
        if (d > flushed[i] && (all || d == len || d - flushed[i] >= flush_step)) {
          ::sync_file_range(fd_, off_t(c.start + flushed[i]), off_t(d - flushed[i]), SYNC_FILE_RANGE_WRITE);
          flushed[i] = d;
        }
      }
      while (first < chunks_.size() && flushed[first] == chunks_[first].end - chunks_[first].start) ++first;
    };
    while (phase_.load() == downloading) {
      sweep(false);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (phase_.load() == complete) {
      sweep(true);
      if (::fdatasync(fd_) != 0) fail(std::string("cannot sync the partial download: ") + std::strerror(errno));
    }
    synced_.raise();
  }

  static constexpr uint64_t flush_step = uint64_t{2} << 20;
  static constexpr uint64_t min_hash = uint64_t{1} << 20;
  int fd_;
  const std::vector<chunk>& chunks_;
  uint64_t size_;
  std::atomic<phase_t> phase_{downloading};
  std::atomic<uint64_t> hashed_bytes_{0};
  latch hashed_, synced_;
  std::mutex m_;
  std::string digest_, error_;
  std::thread hasher_, flusher_;
};

}  // namespace

download_result download_file(const download_request& req, const download_options& opt) {
  download_result result;
  std::error_code ec;
  fs::create_directories(fs::path(req.partial_path).parent_path(), ec);
  if (ec) throw hub_error(req.partial_path + ": cannot create its folder: " + ec.message());
  file_lock lock(req.partial_path + ".lock", opt.on_wait, opt.cancel);

  auto report = [&](const download_progress& p) {
    if (opt.progress) opt.progress(p);
  };

  // another process may have finished it while we waited
  if (fs::exists(req.final_path, ec)) {
    bool same = fs::file_size(req.final_path, ec) == req.size && !ec;
    if (same && !req.sha256.empty()) {
      download_progress p{0, req.size, 0, true, false};
      try {
        same = sha256_file(req.final_path, [&](uint64_t done) {
                 p.done = done;
                 report(p);
               }) == req.sha256;
      } catch (const sha256_error& e) {
        throw hub_error(e.what());  // what the hub's callers catch, as before sha256 moved to core/
      }
    }
    if (same) return result;
    throw hub_error(req.final_path + " exists and is not the file asked for (size or sha256 differ); remove it first");
  }

  uint64_t partial_size = fs::exists(req.partial_path, ec) ? fs::file_size(req.partial_path, ec) : 0;
  if (ec) partial_size = 0;
  std::vector<chunk> chunks = load_progress(req, partial_size);
  bool resuming = !chunks.empty();
  unsigned connections = req.size > opt.parallel_threshold ? std::clamp(opt.jobs, 1u, 16u) : 1u;
  if (!resuming) chunks = plan_chunks(req.size, connections);
  for (const auto& c : chunks) result.resumed_from += c.done.load();
  int fd = ::open(req.partial_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | (resuming ? 0 : O_TRUNC), 0644);
  if (fd < 0) throw hub_error(req.partial_path + ": cannot open: " + std::strerror(errno));
  save_progress(req, chunks);

  // the chunks are taken in file order by `connections` workers
  std::vector<size_t> todo;
  for (size_t i = 0; i < chunks.size(); ++i)
    if (chunks[i].done.load() < chunks[i].end - chunks[i].start) todo.push_back(i);
  shared_state st;
  std::atomic<uint64_t> fetched{0};
  std::atomic<size_t> next{0};
  auto stopping = [&] { return st.stop.load() || (opt.cancel && opt.cancel->load()); };
  follower follow(fd, chunks, req.size, !req.sha256.empty());
  std::vector<std::thread> threads;
  result.connections = unsigned(std::min<size_t>(connections, todo.size()));
  for (unsigned w = 0; w < result.connections; ++w)
    threads.emplace_back([&] {
      for (size_t k; !stopping() && (k = next++) < todo.size();) run_chunk(req, opt, fd, chunks[todo[k]], st, fetched);
    });

  // progress (rate over a sliding window of ~3 s) and the resume record, until the threads end
  std::vector<std::pair<clock::time_point, uint64_t>> samples{{clock::now(), 0}};
  auto last_save = clock::now();
  auto done_bytes = [&] {
    uint64_t d = 0;
    for (const auto& c : chunks) d += c.done.load();
    return d;
  };
  latch transferred;
  std::thread joiner([&] {
    for (auto& t : threads) t.join();
    transferred.raise();
  });
  while (!transferred.wait_for(std::chrono::milliseconds(100))) {
    auto now = clock::now();
    uint64_t f = fetched.load();
    samples.emplace_back(now, f);
    while (samples.size() > 2 && now - samples.front().first > std::chrono::seconds(3)) samples.erase(samples.begin());
    double secs = std::chrono::duration<double>(now - samples.front().first).count();
    double rate = secs > 0 ? double(f - samples.front().second) / secs : 0;
    report({done_bytes(), req.size, rate, false, result.resumed_from > 0});
    if (now - last_save > std::chrono::seconds(1)) {
      save_progress(req, chunks);
      last_save = now;
    }
  }
  joiner.join();
  result.fetched = fetched.load();
  bool complete = done_bytes() == req.size;
  if (complete) follow.finish();
  save_progress(req, chunks);
  if (!st.error.empty() || !complete) {
    follow.abandon();
    ::close(fd);
    if (!st.error.empty())
      throw hub_error(st.error + " (the partial download is kept; run the pull again to resume)", st.error_status);
    throw hub_error("cancelled (the partial download is kept; run the pull again to resume)");
  }
  report({req.size, req.size, 0, false, result.resumed_from > 0});

  struct stat sb {};
  if (::fstat(fd, &sb) != 0 || uint64_t(sb.st_size) != req.size) {
    follow.abandon();
    ::close(fd);
    remove_partial(req);
    throw hub_error("size mismatch: expected " + std::to_string(req.size) + " bytes, got " +
                    std::to_string(uint64_t(sb.st_size)) + "; the partial download was deleted");
  }
  // the end of the hash (the tail, or all of it when the transfer outran it) and the fdatasync
  while (!follow.wait_for(std::chrono::milliseconds(100)))
    if (!req.sha256.empty()) report({follow.hashed(), req.size, 0, true, result.resumed_from > 0});
  follow.join();
  ::close(fd);
  if (!follow.error().empty()) throw hub_error(req.partial_path + ": " + follow.error());
  std::string digest = follow.digest();
  if (digest != req.sha256) {
    remove_partial(req);
    throw hub_error("checksum mismatch for " + fs::path(req.final_path).filename().string() + ": the hub says sha256 " +
                    req.sha256 + ", the download has " + digest + "; the partial download was deleted");
  }
  fs::create_directories(fs::path(req.final_path).parent_path(), ec);
  if (ec) throw hub_error(req.final_path + ": cannot create its folder: " + ec.message());
  if (::rename(req.partial_path.c_str(), req.final_path.c_str()) != 0)
    throw hub_error(req.final_path + ": cannot move the download into place: " + std::strerror(errno));
  int dfd = ::open(fs::path(req.final_path).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  fs::remove(progress_path(req), ec);
  result.transferred = true;
  return result;
}

}  // namespace sy::hub
