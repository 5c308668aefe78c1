#pragma once
// The server's pool for blocking work — disk and SQLite, process starts, Hugging Face calls — so
// that no io thread ever blocks. The gateway owns it and hands it to whoever needs it (the
// local backend, the hub and admin APIs): hub search works whether or not the model store could
// be opened.
//
// Threading: run() may be awaited from any worker; `fn` runs on a pool thread, and the awaiting
// coroutine resumes on its own executor. join() waits for every job; call it once nothing can
// post any more (the workers stopped), before what the jobs use is destroyed.
#include <cstddef>
#include <exception>

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sy::http {

namespace net = boost::asio;

class blocking_executor {
 public:
  // Threads mostly wait (for a child to become healthy, for another request's load, for the
  // hub): many are cheap, and too few would queue a load behind unrelated waits.
  explicit blocking_executor(std::size_t threads = 16) : pool_(threads) {}

  // Runs `fn` on the pool; its result (or its exception, rethrown here) when it is done. (Not
  // a coroutine lambda: GCC 12 mishandles the captures of coroutine lambdas.)
  template <class Fn>
  auto run(Fn fn) -> net::awaitable<decltype(fn())> {
    using result = decltype(fn());
    return net::async_initiate<decltype(net::use_awaitable), void(std::exception_ptr, result)>(
        [this, fn = std::move(fn)](auto handler) mutable {
          net::post(pool_, [fn = std::move(fn), handler = std::move(handler)]() mutable {
            std::exception_ptr error;
            result r{};
            try {
              r = fn();
            } catch (...) {
              error = std::current_exception();
            }
            auto ex = net::get_associated_executor(handler);
            net::dispatch(ex, [handler = std::move(handler), error, r = std::move(r)]() mutable {
              std::move(handler)(error, std::move(r));
            });
          });
        },
        net::use_awaitable);
  }

  void join() { pool_.join(); }

 private:
  net::thread_pool pool_;
};

}  // namespace sy::http
