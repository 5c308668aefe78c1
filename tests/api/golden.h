#pragma once
// Golden-file helpers for the wire-format tests: fixtures live in tests/api/fixtures/ and are
// compared as JSON values (key order and number spelling do not matter), SSE streams event by
// event. SY_UPDATE_GOLDEN=1 rewrites an expected file with what the code produced (review the
// diff before committing it).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "api/chat_types.h"

namespace sy::api::golden {

// The value of a parser's result, or nullptr after reporting its error as a test failure.
template <class T>
const T* ok(const api_result<T>& r) {
  if (auto* e = std::get_if<api_error>(&r)) {
    ADD_FAILURE() << "error " << e->status << ": " << e->message;
    return nullptr;
  }
  return &std::get<T>(r);
}

inline std::string fixture_path(std::string_view name) {
  std::string path = SY_API_FIXTURES;
  path += '/';
  path.append(name);
  return path;
}

inline std::string read_fixture(std::string_view name) {
  std::ifstream in(fixture_path(name), std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline bool update_mode() {
  const char* v = std::getenv("SY_UPDATE_GOLDEN");
  return v && *v && std::string_view(v) != "0";
}

inline void pretty(std::ostream& os, const boost::json::value& v, int indent = 0) {
  std::string pad(indent, ' ');
  if (auto* o = v.if_object()) {
    os << "{\n";
    std::size_t i = 0;
    for (const auto& kv : *o) {
      os << pad << "  " << boost::json::serialize(boost::json::value(kv.key())) << ": ";
      pretty(os, kv.value(), indent + 2);
      os << (++i < o->size() ? ",\n" : "\n");
    }
    os << pad << "}";
  } else if (auto* a = v.if_array()) {
    os << "[\n";
    for (std::size_t i = 0; i < a->size(); ++i) {
      os << pad << "  ";
      pretty(os, (*a)[i], indent + 2);
      os << (i + 1 < a->size() ? ",\n" : "\n");
    }
    os << pad << "]";
  } else {
    os << boost::json::serialize(v);
  }
}

inline std::string pretty(const boost::json::value& v) {
  std::ostringstream os;
  pretty(os, v);
  return os.str();
}

inline void expect_json_eq(std::string_view actual, std::string_view expected_fixture) {
  SCOPED_TRACE(std::string(expected_fixture));
  boost::json::error_code ec;
  auto a = boost::json::parse(actual, ec);
  ASSERT_FALSE(ec) << "output is not JSON: " << actual;
  if (update_mode()) {
    std::ofstream(fixture_path(expected_fixture), std::ios::binary) << pretty(a) << "\n";
    return;
  }
  auto e = boost::json::parse(read_fixture(expected_fixture), ec);
  ASSERT_FALSE(ec) << "fixture is not JSON";
  EXPECT_EQ(a, e) << "actual:\n" << pretty(a) << "\nexpected:\n" << pretty(e);
}

struct sse_event {
  std::string event;  // "" when the stream names none (OpenAI)
  std::string data;
};

// Splits an SSE text into events (blank-line separated; `event:` and `data:` fields).
inline std::vector<sse_event> parse_sse(std::string_view text) {
  std::vector<sse_event> out;
  sse_event cur;
  bool any = false;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      if (any) out.push_back(std::move(cur));
      cur = {};
      any = false;
      continue;
    }
    auto field = [&](std::string_view name) -> std::optional<std::string> {
      if (line.substr(0, name.size()) != name) return std::nullopt;
      auto v = line.substr(name.size());
      if (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      return std::string(v);
    };
    if (auto v = field("event:")) {
      cur.event = *v;
      any = true;
    } else if (auto d = field("data:")) {
      cur.data += cur.data.empty() ? *d : "\n" + *d;
      any = true;
    }
  }
  if (any) out.push_back(std::move(cur));
  return out;
}

inline std::string render_sse(const std::vector<sse_event>& events) {
  std::string out;
  for (const auto& e : events) {
    if (!e.event.empty()) out += "event: " + e.event + "\n";
    boost::json::error_code ec;
    auto v = boost::json::parse(e.data, ec);
    out += "data: " + (ec ? e.data : boost::json::serialize(v)) + "\n\n";
  }
  return out;
}

inline void expect_sse_eq(std::string_view actual, std::string_view expected_fixture) {
  SCOPED_TRACE(std::string(expected_fixture));
  auto a = parse_sse(actual);
  if (update_mode()) {
    std::ofstream(fixture_path(expected_fixture), std::ios::binary) << render_sse(a);
    return;
  }
  auto e = parse_sse(read_fixture(expected_fixture));
  ASSERT_EQ(a.size(), e.size()) << "actual stream:\n" << actual;
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("event #" + std::to_string(i));
    EXPECT_EQ(a[i].event, e[i].event);
    boost::json::error_code ec1, ec2;
    auto av = boost::json::parse(a[i].data, ec1);
    auto ev = boost::json::parse(e[i].data, ec2);
    if (ec1 || ec2)
      EXPECT_EQ(a[i].data, e[i].data);
    else
      EXPECT_EQ(av, ev) << "actual: " << a[i].data << "\nexpected: " << e[i].data;
  }
}

}  // namespace sy::api::golden
