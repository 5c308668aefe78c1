#include "http/event_stream.h"

#include <fmt/format.h>

#include "http/pch.h"
#include "http/write_all.h"

namespace sy::http {

// Callers pass named strings, never temporaries: GCC 12 mishandles temporaries that live across
// a co_await in the calling expression.
net::awaitable<bool> event_stream::write(const std::string& bytes) {
  if (failed_) co_return false;
  auto buffer = net::buffer(bytes);
  if (co_await write_all(ex_.stream, buffer, ex_.write_timeout)) {
    failed_ = true;
    ex_.keep_alive = false;
  }
  co_return !failed_;
}

net::awaitable<bool> event_stream::open() {
  std::string head;
  header_list headers{{"Content-Type", "text/event-stream"},
                      {"Cache-Control", "no-cache"},
                      {"X-Accel-Buffering", "no"},
                      {"x-request-id", ex_.request_id}};
  serialize_response_head(head, 200, headers, std::nullopt, ex_.keep_alive);
  ex_.answered = true;
  bool ok = co_await write(head);
  co_return ok;
}

net::awaitable<bool> event_stream::send(std::string_view name, std::string_view data) {
  std::string event;
  if (!name.empty()) event += fmt::format("event: {}\n", name);
  event += fmt::format("data: {}\n\n", data);
  std::string chunk = fmt::format("{:x}\r\n{}\r\n", event.size(), event);
  bool ok = co_await write(chunk);
  if (ok) capture_sent(ex_, event);
  co_return ok;
}

net::awaitable<bool> event_stream::comment(std::string_view text) {
  std::string line = fmt::format(": {}\n\n", text);
  std::string chunk = fmt::format("{:x}\r\n{}\r\n", line.size(), line);
  bool ok = co_await write(chunk);
  co_return ok;
}

net::awaitable<void> event_stream::close() {
  static const std::string last_chunk = "0\r\n\r\n";
  co_await write(last_chunk);
}

}  // namespace sy::http
