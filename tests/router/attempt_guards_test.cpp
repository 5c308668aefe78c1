// The RAII guards of one attempt: the admission slot and the router's in-flight count are given
// back however the attempt ends — finished, or abandoned (a cancelled request).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "router/router_state.h"
#include "router/target_gate.h"

using namespace sy;
using namespace std::chrono_literals;
using testing::HasSubstr;

namespace {

std::string prometheus(router_state& r) {
  std::string out;
  r.prometheus(out);
  return out;
}

target_gate::verdict enter(target_gate& gate, unsigned limit) {
  boost::asio::io_context io;
  target_gate::verdict v{};
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { v = co_await gate.enter(limit, 0, 1s); }, boost::asio::detached);
  io.run();
  return v;
}

}  // namespace

TEST(attempt_guards, an_abandoned_attempt_leaves_the_in_flight_count_and_counts_nothing) {
  std::chrono::steady_clock::time_point now{1000s};
  router_state router([&] { return now; });
  {
    router_state::attempt_guard attempt(router, "a/m", true);
    EXPECT_THAT(prometheus(router), HasSubstr(R"(switchyard_target_in_flight{target="a/m"} 1)"));
  }
  auto text = prometheus(router);
  EXPECT_THAT(text, HasSubstr(R"(switchyard_target_in_flight{target="a/m"} 0)"));
  EXPECT_THAT(text, HasSubstr(R"(switchyard_target_failures_total{target="a/m"} 0)"));
}

TEST(attempt_guards, a_finished_attempt_is_reported_once) {
  std::chrono::steady_clock::time_point now{1000s};
  router_state router([&] { return now; });
  {
    router_state::attempt_guard attempt(router, "a/m", true);
    attempt.finish({attempt_result::kind::failure, 502, "refused"});
    attempt.finish({attempt_result::kind::failure, 502, "refused"});  // no second report
  }
  auto text = prometheus(router);
  EXPECT_THAT(text, HasSubstr(R"(switchyard_target_in_flight{target="a/m"} 0)"));
  EXPECT_THAT(text, HasSubstr(R"(switchyard_target_failures_total{target="a/m"} 1)"));
}

TEST(attempt_guards, a_slot_gives_its_place_back_when_it_goes) {
  target_gate gate;
  ASSERT_EQ(enter(gate, 1), target_gate::verdict::admitted);
  {
    target_gate::slot place(gate);
    EXPECT_EQ(gate.in_use(), 1u);
    EXPECT_EQ(enter(gate, 1), target_gate::verdict::full);  // limit 1, no queue
    target_gate::slot moved = std::move(place);             // a move does not leave twice
    EXPECT_EQ(gate.in_use(), 1u);
  }
  EXPECT_EQ(gate.in_use(), 0u);
  ASSERT_EQ(enter(gate, 1), target_gate::verdict::admitted);
  target_gate::slot place(gate);
  place.release();
  place.release();  // once
  EXPECT_EQ(gate.in_use(), 0u);
}
