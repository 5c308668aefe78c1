#include "http/socket_deadlines.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

using namespace sy;
using namespace std::chrono_literals;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// A connected pair of loopback sockets on `ctx`.
struct socket_pair {
  tcp::socket ours, theirs;
  explicit socket_pair(net::io_context& ctx) : ours(ctx), theirs(ctx) {
    tcp::acceptor acceptor(ctx, {net::ip::make_address("127.0.0.1"), 0});
    ours.connect(acceptor.local_endpoint());
    acceptor.accept(theirs);
  }
};

// A read of `pair.ours` under a guard of `timeout`; what it ended with, once the context ran.
struct guarded_read {
  std::array<char, 16> buf{};
  std::optional<boost::system::error_code> ended;
  std::unique_ptr<http::socket_deadlines::guard> guard;
  guarded_read(http::socket_deadlines& set, tcp::socket& s, std::chrono::milliseconds timeout) {
    guard = std::make_unique<http::socket_deadlines::guard>(set, s, timeout);
    s.async_read_some(net::buffer(buf), [this](boost::system::error_code ec, std::size_t) {
      ended = ec;
      guard->disarm();
    });
  }
};

}  // namespace

TEST(socket_deadlines, a_read_past_its_deadline_is_cancelled_and_says_so) {
  net::io_context ctx;
  http::socket_deadlines set(ctx.get_executor());
  socket_pair pair(ctx);
  guarded_read read(set, pair.ours, 20ms);
  ctx.run();
  ASSERT_TRUE(read.ended);
  EXPECT_EQ(*read.ended, net::error::operation_aborted);
  EXPECT_TRUE(read.guard->expired());
  EXPECT_EQ(set.armed(), 0u);
  // the socket stays open: the caller decides (the upstream client drops the connection)
  EXPECT_TRUE(pair.ours.is_open());
}

TEST(socket_deadlines, a_read_that_ends_in_time_is_left_alone_and_the_socket_reads_on) {
  net::io_context ctx;
  http::socket_deadlines set(ctx.get_executor());
  socket_pair pair(ctx);
  net::write(pair.theirs, net::buffer("hello", 5));
  guarded_read first(set, pair.ours, 50ms);
  ctx.run_for(200ms);  // past the deadline: the timer wakes, finds nothing armed
  ASSERT_TRUE(first.ended);
  EXPECT_FALSE(*first.ended);
  EXPECT_FALSE(first.guard->expired());
  EXPECT_EQ(set.armed(), 0u);

  ctx.restart();
  net::write(pair.theirs, net::buffer("again", 5));
  guarded_read second(set, pair.ours, 10s);
  ctx.run_one();
  ASSERT_TRUE(second.ended);
  EXPECT_FALSE(*second.ended);
  EXPECT_EQ(std::string_view(second.buf.data(), 5), "again");
}

TEST(socket_deadlines, a_shorter_deadline_armed_after_a_longer_one_still_fires_first) {
  net::io_context ctx;
  http::socket_deadlines set(ctx.get_executor());
  socket_pair slow(ctx), quick(ctx);
  guarded_read patient(set, slow.ours, 30s);
  guarded_read hasty(set, quick.ours, 20ms);
  EXPECT_EQ(set.armed(), 2u);
  while (!hasty.ended) ctx.run_one();
  EXPECT_TRUE(hasty.guard->expired());
  EXPECT_FALSE(patient.ended);
  EXPECT_FALSE(patient.guard->expired());
  EXPECT_EQ(set.armed(), 1u);
  // the patient read is still served by the same socket
  net::write(slow.theirs, net::buffer("late", 4));
  while (!patient.ended) ctx.run_one();
  EXPECT_FALSE(*patient.ended);
  EXPECT_EQ(set.armed(), 0u);
}

TEST(socket_deadlines, of_many_reads_only_those_past_their_deadline_are_cancelled) {
  net::io_context ctx;
  http::socket_deadlines set(ctx.get_executor());
  std::vector<std::unique_ptr<socket_pair>> pairs;
  std::vector<std::unique_ptr<guarded_read>> reads;
  for (int i = 0; i < 6; ++i) {
    pairs.push_back(std::make_unique<socket_pair>(ctx));
    reads.push_back(
        std::make_unique<guarded_read>(set, pairs.back()->ours, i % 2 ? 30s : std::chrono::milliseconds(10 + i)));
  }
  auto ended = [&] { return std::count_if(reads.begin(), reads.end(), [](auto& r) { return r->ended.has_value(); }); };
  while (ended() < 3) ctx.run_one();
  EXPECT_EQ(set.armed(), 3u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(reads[i]->guard->expired(), i % 2 == 0) << i;
    EXPECT_EQ(reads[i]->ended.has_value(), i % 2 == 0) << i;
  }
  for (auto& p : pairs) p->ours.close();  // the patient reads end (aborted), their guards disarm
  while (set.armed() > 0) ctx.run_one();  // (not run(): the set's timer waits on, for 30 s)
  for (auto& r : reads) EXPECT_TRUE(r->ended);
}

TEST(socket_deadlines, guards_may_outlive_the_set) {
  // a worker's coroutine frames (and their guards) are destroyed with its io_context, after the
  // pool that owned the set
  net::io_context ctx;
  socket_pair pair(ctx);
  auto set = std::make_unique<http::socket_deadlines>(ctx.get_executor());
  auto guard = std::make_unique<http::socket_deadlines::guard>(*set, pair.ours, 20ms);
  set.reset();
  ctx.run_for(50ms);  // the timer's handler finds the set gone
  EXPECT_FALSE(guard->expired());
  guard.reset();  // disarms nothing, touches nothing freed (ASan)
}
