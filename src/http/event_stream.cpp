#include "http/event_stream.h"

#include <fmt/format.h>

#include "http/pch.h"
#include "http/write_all.h"

namespace sy::http {

net::awaitable<bool> event_stream::write(std::string bytes) {
  if (failed_) co_return false;
  if (co_await write_all(ex_.stream, net::buffer(bytes), ex_.write_timeout)) {
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
  co_return co_await write(std::move(head));
}

net::awaitable<bool> event_stream::send(std::string_view name, std::string_view data) {
  std::string event;
  if (!name.empty()) event += fmt::format("event: {}\n", name);
  event += fmt::format("data: {}\n\n", data);
  co_return co_await write(fmt::format("{:x}\r\n{}\r\n", event.size(), event));
}

net::awaitable<void> event_stream::close() {
  co_await write("0\r\n\r\n");
}

}  // namespace sy::http
