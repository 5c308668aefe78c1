#include "backends/reported_usage.h"

#include <array>
#include <limits>

#include <boost/json/basic_parser_impl.hpp>

#include "core/json_scan.h"

namespace sy::backends {

namespace {

namespace json = boost::json;

// The members read, by where they are.
enum class member : std::uint8_t {
  other,
  // top level
  usage,
  prompt_eval_count,
  eval_count,
  error,
  // usage
  prompt_tokens,
  completion_tokens,
  prompt_tokens_details,
  input_tokens,
  output_tokens,
  cache_read_input_tokens,
  cache_creation_input_tokens,
  // usage.prompt_tokens_details
  cached_tokens,
};

enum class scope : std::uint8_t { other, top, usage, details };

member classify(scope where, std::string_view key) {
  switch (where) {
    case scope::top:
      if (key == "usage") return member::usage;
      if (key == "prompt_eval_count") return member::prompt_eval_count;
      if (key == "eval_count") return member::eval_count;
      if (key == "error") return member::error;
      return member::other;
    case scope::usage:
      if (key == "prompt_tokens") return member::prompt_tokens;
      if (key == "completion_tokens") return member::completion_tokens;
      if (key == "prompt_tokens_details") return member::prompt_tokens_details;
      if (key == "input_tokens") return member::input_tokens;
      if (key == "output_tokens") return member::output_tokens;
      if (key == "cache_read_input_tokens") return member::cache_read_input_tokens;
      if (key == "cache_creation_input_tokens") return member::cache_creation_input_tokens;
      return member::other;
    case scope::details: return key == "cached_tokens" ? member::cached_tokens : member::other;
    case scope::other: return member::other;
  }
  return member::other;
}

// The last value of each member read, as a basic_parser handler; every handler accepts, so the
// parser alone decides whether the document is valid.
class usage_handler : public json_scan::handler_base {
 public:
  bool on_object_begin(json::error_code&) {
    scope s = scope::other;
    if (at_.depth() == 0)
      s = scope::top;
    else if (at_.pending == member::usage && at_.here() == scope::top)
      s = scope::usage, usage_is_object_ = true;
    else if (at_.pending == member::prompt_tokens_details && at_.here() == scope::usage)
      s = scope::details, details_is_object_ = true;
    return at_.enter(s);
  }
  bool on_object_end(std::size_t, json::error_code&) { return at_.leave(); }
  bool on_array_begin(json::error_code&) { return at_.enter(scope::other); }
  bool on_array_end(std::size_t, json::error_code&) { return at_.leave(); }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    if (at_.here() != scope::other) append_key(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    if (at_.here() == scope::other) {  // most keys: nothing here is read
      at_.pending = member::other;
      return true;
    }
    append_key(s);
    at_.pending = key_overflow_ ? member::other : classify(at_.here(), std::string_view(key_.data(), key_size_));
    key_size_ = 0;
    key_overflow_ = false;
    forget(at_.pending);  // a repeated member: only its last occurrence counts
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return at_.value_done(); }
  bool on_int64(std::int64_t v, json::string_view, json::error_code&) {
    value(at_.pending) = v;
    return at_.value_done();
  }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return at_.value_done(); }
  bool on_double(double, json::string_view, json::error_code&) { return at_.value_done(); }
  bool on_bool(bool, json::error_code&) { return at_.value_done(); }
  bool on_null(json::error_code&) { return at_.value_done(); }

  reported_usage result() const;

 private:
  void append_key(std::string_view s) {
    if (key_overflow_ || s.size() > key_.size() - key_size_) {
      key_overflow_ = true;  // longer than any member read
      return;
    }
    s.copy(key_.data() + key_size_, s.size());
    key_size_ += s.size();
  }
  // The slot of a member's integer value (a throwaway one for the others).
  std::optional<std::int64_t>& value(member m) {
    switch (m) {
      case member::prompt_eval_count: return prompt_eval_count_;
      case member::eval_count: return eval_count_;
      case member::prompt_tokens: return prompt_tokens_;
      case member::completion_tokens: return completion_tokens_;
      case member::input_tokens: return input_tokens_;
      case member::output_tokens: return output_tokens_;
      case member::cache_read_input_tokens: return cache_read_;
      case member::cache_creation_input_tokens: return cache_creation_;
      case member::cached_tokens: return cached_tokens_;
      default: return ignored_;
    }
  }
  void forget(member m) {
    if (m == member::usage) {  // a later "usage" replaces an earlier one whole
      usage_is_object_ = details_is_object_ = false;
      prompt_tokens_ = completion_tokens_ = input_tokens_ = output_tokens_ = cache_read_ = cache_creation_ =
          cached_tokens_ = std::nullopt;
      has_prompt_tokens_ = has_completion_tokens_ = false;
    } else if (m == member::prompt_tokens_details) {
      details_is_object_ = false;
      cached_tokens_ = std::nullopt;
    }
    has_error_ = has_error_ || m == member::error;
    has_prompt_tokens_ = has_prompt_tokens_ || m == member::prompt_tokens;
    has_completion_tokens_ = has_completion_tokens_ || m == member::completion_tokens;
    value(m) = std::nullopt;
  }

  json_scan::position<scope, member, 4> at_;
  std::array<char, 32> key_{};
  std::size_t key_size_ = 0;
  bool key_overflow_ = false;

  bool has_error_ = false, usage_is_object_ = false, details_is_object_ = false;
  bool has_prompt_tokens_ = false, has_completion_tokens_ = false;  // of any type
  std::optional<std::int64_t> prompt_eval_count_, eval_count_, prompt_tokens_, completion_tokens_, input_tokens_,
      output_tokens_, cache_read_, cache_creation_, cached_tokens_, ignored_;
};

reported_usage usage_handler::result() const {
  reported_usage u;
  u.has_error_member = has_error_;
  u.prompt_tokens = prompt_eval_count_;
  u.completion_tokens = eval_count_;
  if (!usage_is_object_) return u;
  if (prompt_tokens_) u.prompt_tokens = prompt_tokens_;
  if (completion_tokens_) u.completion_tokens = completion_tokens_;
  if (details_is_object_ && cached_tokens_) u.cached_tokens = cached_tokens_;
  if (input_tokens_ && !has_prompt_tokens_) {  // Anthropic's: cache reads and writes are prompt tokens too
    std::int64_t input = *input_tokens_;
    for (const auto& c : {cache_read_, cache_creation_})
      if (c && *c > 0)
        input = *c > std::numeric_limits<std::int64_t>::max() - input ? std::numeric_limits<std::int64_t>::max()
                                                                      : input + *c;
    u.prompt_tokens = input;
    if (cache_read_) u.cached_tokens = cache_read_;
  }
  if (output_tokens_ && !has_completion_tokens_) u.completion_tokens = output_tokens_;
  return u;
}

}  // namespace

reported_usage read_reported_usage(std::string_view json, boost::system::error_code& ec) {
  json::basic_parser<usage_handler> parser(json::parse_options{});
  if (!json_scan::parse_whole(parser, json, ec)) return {};
  return parser.handler().result();
}

}  // namespace sy::backends
