#pragma once
// Writing a whole message to a plain TCP stream with as little event-loop traffic as possible:
// the bytes go straight to the socket first (for small messages the kernel usually takes them
// all, and no completion has to travel through the io_context), and only what is left is
// written asynchronously, under `timeout`.
//
// Threading: call on the thread that owns `stream`.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "core/duration.h"

namespace sy::http {

template <class ConstBufferSequence>
boost::asio::awaitable<boost::system::error_code> write_all(boost::beast::tcp_stream& stream,
                                                            const ConstBufferSequence& buffers, duration timeout) {
  namespace net = boost::asio;
  auto& socket = stream.socket();
  boost::system::error_code ec;
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  std::size_t total = net::buffer_size(buffers);
  std::size_t written = ec ? 0 : socket.write_some(buffers, ec);
  if (!ec && written == total) co_return ec;
  if (ec && ec != net::error::would_block && ec != net::error::try_again) co_return ec;
  boost::beast::buffers_suffix<ConstBufferSequence> rest(buffers);
  rest.consume(written);
  stream.expires_after(timeout);
  auto [wec, n] = co_await net::async_write(stream, rest, net::as_tuple(net::use_awaitable));
  stream.expires_never();
  co_return wec;
}

}  // namespace sy::http
