#include "api/openai_plain_answer.h"

#include <cstdint>
#include <limits>
#include <string>

#include <boost/json/basic_parser_impl.hpp>

#include "api/openai_chat.h"
#include "core/json_scan.h"

namespace sy::api::detail {

namespace {

namespace json = boost::json;

// The members the canonical answer takes, each read at most once (a repeated one gives up).
enum class field : std::uint8_t {
  none,  // a member nobody reads: its value is skipped
  id,
  model,
  created,
  choices,
  usage,
  message,
  finish_reason,
  reasoning_content,
  reasoning,
  content,
  refusal,
  tool_calls,
  reasoning_details,
  prompt_tokens,
  completion_tokens,
  prompt_tokens_details,
  completion_tokens_details,
  cached_tokens,
  reasoning_tokens,
};

// The objects whose members are read; every other object or array is skipped whole.
enum class scope : std::uint8_t { document, top, choices, choice, message, usage, prompt_details, completion_details };

struct named_field {
  std::string_view key;
  field f;
};
constexpr named_field top_fields[] = {{"id", field::id},
                                      {"model", field::model},
                                      {"created", field::created},
                                      {"choices", field::choices},
                                      {"usage", field::usage}};
constexpr named_field choice_fields[] = {{"message", field::message}, {"finish_reason", field::finish_reason}};
constexpr named_field message_fields[] = {{"reasoning_content", field::reasoning_content},
                                          {"reasoning", field::reasoning},
                                          {"content", field::content},
                                          {"refusal", field::refusal},
                                          {"tool_calls", field::tool_calls},
                                          {"reasoning_details", field::reasoning_details}};
constexpr named_field usage_fields[] = {{"prompt_tokens", field::prompt_tokens},
                                        {"completion_tokens", field::completion_tokens},
                                        {"prompt_tokens_details", field::prompt_tokens_details},
                                        {"completion_tokens_details", field::completion_tokens_details}};
constexpr named_field prompt_details_fields[] = {{"cached_tokens", field::cached_tokens}};
constexpr named_field completion_details_fields[] = {{"reasoning_tokens", field::reasoning_tokens}};

template <std::size_t N>
field lookup(const named_field (&fields)[N], std::string_view key) {
  for (const auto& f : fields)
    if (f.key == key) return f.f;
  return field::none;
}

// What the parser reports, as a basic_parser handler. Any handler that returns false ends the
// pass: the answer is not a plain one (or not valid), and the tree reader takes over.
class plain_answer_handler : public json_scan::handler_base {
 public:
  explicit plain_answer_handler(const parse_limits& limits) : limits_(limits) {}

  // The answer, once the document ended as a plain answer.
  std::optional<chat_response> take();

  bool on_object_begin(json::error_code& ec);
  bool on_object_end(std::size_t, json::error_code&) { return close(); }
  bool on_array_begin(json::error_code& ec);
  bool on_array_end(std::size_t, json::error_code&);
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    if (skipped_ == 0) key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t n, json::error_code& ec);
  bool on_string_part(json::string_view s, std::size_t n, json::error_code& ec);
  bool on_string(json::string_view s, std::size_t n, json::error_code& ec);
  bool on_int64(std::int64_t i, json::string_view, json::error_code& ec);
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code& ec);
  bool on_double(double, json::string_view, json::error_code& ec) { return scalar(ec, false); }
  bool on_bool(bool, json::error_code& ec) { return scalar(ec, false); }
  bool on_null(json::error_code& ec);

 private:
  static bool give_up(json::error_code& ec) {
    ec = json::make_error_code(json::error::exception);  // any failure: the caller reads the tree
    return false;
  }
  // A member's value begins: the member it belongs to.
  field take_pending() {
    auto f = pending_;
    pending_ = field::none;
    return f;
  }
  static constexpr std::uint32_t bit(field f) { return std::uint32_t{1} << static_cast<unsigned>(f); }
  bool mark_seen(field f) {
    if (seen_ & bit(f)) return false;
    seen_ |= bit(f);
    return true;
  }
  bool open(scope s) {
    if (depth_ == std::size(scopes_)) return false;
    scopes_[depth_++] = s;
    return true;
  }
  bool close();
  scope here() const { return depth_ ? scopes_[depth_ - 1] : scope::document; }
  // An item of `choices` begins (`object`: it is one): the first must be an object, at most
  // 1024 are taken.
  bool next_choice(bool object, json::error_code& ec) {
    ++items_;
    return (items_ <= 1024 && (items_ > 1 || object)) || give_up(ec);
  }
  // A scalar value that is not a member's: inside a skipped value, the whole document, or an item
  // of `choices`. nullopt when it is a member's value (the caller reads it), else what to return.
  std::optional<bool> not_a_member(json::error_code& ec) {
    if (skipped_) return true;
    switch (here()) {
      case scope::document: return give_up(ec);  // not an object
      case scope::choices: return next_choice(false, ec);
      default: return std::nullopt;
    }
  }
  // A bool, a double or null (`is_null`) as the value of the pending member.
  bool scalar(json::error_code& ec, bool is_null);
  // Where the string value of `f` goes, and its limit; null when `f` takes no string.
  std::string* string_target(field f, std::size_t& max_bytes);
  // Whether `f` may have a value of a type it does not read (the tree reader ignores it).
  static bool ignores_other_types(field f) {
    switch (f) {
      case field::none:
      case field::usage:
      case field::prompt_tokens:
      case field::completion_tokens:
      case field::prompt_tokens_details:
      case field::completion_tokens_details:
      case field::cached_tokens:
      case field::reasoning_tokens: return true;
      default: return false;
    }
  }
  // A number as the value of `f` (nullopt: not a count the tree reader takes).
  bool count(field f, std::optional<std::int64_t> n, json::error_code& ec);

  const parse_limits& limits_;
  scope scopes_[8]{};
  std::size_t depth_ = 0;
  std::size_t skipped_ = 0;  // depth inside a skipped object or array
  field pending_ = field::none;
  std::uint32_t seen_ = 0;
  std::size_t items_ = 0;  // items of `choices` so far
  std::string key_, text_;
  std::string* part_target_ = nullptr;  // where the string now arriving in parts goes (null: nowhere)
  std::size_t part_limit_ = 0;          // and its limit

  std::string id_, model_, finish_, reasoning_content_, reasoning_, content_, refusal_;
  std::optional<std::int64_t> created_;
  token_usage usage_;
  bool ended_ = false;
};

bool plain_answer_handler::on_object_begin(json::error_code& ec) {
  if (skipped_) return ++skipped_, true;
  switch (here()) {
    case scope::document: return open(scope::top) || give_up(ec);
    case scope::choices:
      if (!next_choice(true, ec)) return false;
      if (items_ == 1) return open(scope::choice) || give_up(ec);
      return ++skipped_, true;
    default: break;
  }
  field f = take_pending();
  switch (f) {
    case field::usage: return open(scope::usage) || give_up(ec);
    case field::message: return open(scope::message) || give_up(ec);
    case field::prompt_tokens_details: return open(scope::prompt_details) || give_up(ec);
    case field::completion_tokens_details: return open(scope::completion_details) || give_up(ec);
    default: return (ignores_other_types(f) && ++skipped_) || give_up(ec);
  }
}

bool plain_answer_handler::on_array_begin(json::error_code& ec) {
  if (skipped_) return ++skipped_, true;
  switch (here()) {
    case scope::document: return give_up(ec);  // not an object
    case scope::choices: return next_choice(false, ec) && ++skipped_;
    default: break;
  }
  field f = take_pending();
  if (f == field::choices) {
    items_ = 0;
    return open(scope::choices) || give_up(ec);
  }
  return (ignores_other_types(f) && ++skipped_) || give_up(ec);
}

bool plain_answer_handler::on_array_end(std::size_t, json::error_code& ec) {
  if (!skipped_ && here() == scope::choices && items_ == 0) return give_up(ec);  // no choices
  return close();
}

bool plain_answer_handler::close() {
  if (skipped_) return --skipped_, true;
  if (depth_ == 0) return false;
  --depth_;
  if (depth_ == 0) ended_ = true;
  return true;
}

bool plain_answer_handler::on_key(json::string_view s, std::size_t, json::error_code& ec) {
  if (skipped_) return true;
  std::string_view key(s.data(), s.size());
  if (!key_.empty()) {
    key_.append(s.data(), s.size());
    key = key_;
  }
  field f = field::none;
  switch (here()) {
    case scope::top: f = lookup(top_fields, key); break;
    case scope::choice: f = lookup(choice_fields, key); break;
    case scope::message: f = lookup(message_fields, key); break;
    case scope::usage: f = lookup(usage_fields, key); break;
    case scope::prompt_details: f = lookup(prompt_details_fields, key); break;
    case scope::completion_details: f = lookup(completion_details_fields, key); break;
    default: break;
  }
  key_.clear();
  if (f != field::none && !mark_seen(f)) return give_up(ec);  // which one would count is the tree's call
  pending_ = f;
  return true;
}

std::string* plain_answer_handler::string_target(field f, std::size_t& max_bytes) {
  max_bytes = limits_.max_string_bytes;
  switch (f) {
    case field::id: max_bytes = limits_.max_name_bytes; return &id_;
    case field::model: max_bytes = limits_.max_model_bytes; return &model_;
    case field::finish_reason: max_bytes = limits_.max_name_bytes; return &finish_;
    case field::reasoning_content: return &reasoning_content_;
    case field::reasoning: return &reasoning_;
    case field::content: return &content_;
    case field::refusal: return &refusal_;
    default: return nullptr;
  }
}

bool plain_answer_handler::on_string_part(json::string_view s, std::size_t n, json::error_code& ec) {
  if (skipped_) return true;
  if (n == s.size())  // the first part of this string
    part_target_ = here() == scope::choices ? nullptr : string_target(pending_, part_limit_);
  if (!part_target_) return true;
  if (n > part_limit_) return give_up(ec);
  text_.append(s.data(), s.size());
  return true;
}

bool plain_answer_handler::on_string(json::string_view s, std::size_t n, json::error_code& ec) {
  if (auto r = not_a_member(ec)) return *r;
  field f = take_pending();
  std::size_t max_bytes = 0;
  std::string* target = string_target(f, max_bytes);
  bool in_parts = part_target_ != nullptr;
  part_target_ = nullptr;
  if (!target) return ignores_other_types(f) || give_up(ec);
  if (n > max_bytes) return give_up(ec);
  if (in_parts) {
    text_.append(s.data(), s.size());
    *target = std::move(text_);
    text_.clear();
  } else {
    target->assign(s.data(), s.size());
  }
  return true;
}

bool plain_answer_handler::count(field f, std::optional<std::int64_t> n, json::error_code& ec) {
  switch (f) {
    case field::prompt_tokens: usage_.input_tokens = n; return true;
    case field::completion_tokens: usage_.output_tokens = n; return true;
    case field::cached_tokens: usage_.cached_input_tokens = n; return true;
    case field::reasoning_tokens: usage_.reasoning_tokens = n; return true;
    case field::created:
      if (!n) return give_up(ec);
      created_ = n;
      return true;
    default: return ignores_other_types(f) || give_up(ec);
  }
}

bool plain_answer_handler::on_int64(std::int64_t i, json::string_view, json::error_code& ec) {
  if (auto r = not_a_member(ec)) return *r;
  return count(take_pending(), i >= 0 ? std::optional<std::int64_t>(i) : std::nullopt, ec);
}

bool plain_answer_handler::on_uint64(std::uint64_t u, json::string_view, json::error_code& ec) {
  if (auto r = not_a_member(ec)) return *r;
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  return count(take_pending(), u <= max ? std::optional<std::int64_t>(static_cast<std::int64_t>(u)) : std::nullopt, ec);
}

bool plain_answer_handler::on_null(json::error_code& ec) {
  return scalar(ec, true);
}

bool plain_answer_handler::scalar(json::error_code& ec, bool is_null) {
  if (auto r = not_a_member(ec)) return *r;
  field f = take_pending();
  if (is_null) {
    // null is "absent" to the tree reader: fine for every optional member, not for these
    return !(f == field::choices || f == field::message) || give_up(ec);
  }
  return count(f, std::nullopt, ec);  // a bool or a double: a count that is none, else give up
}

std::optional<chat_response> plain_answer_handler::take() {
  if (!ended_ || !(seen_ & bit(field::choices)) || !(seen_ & bit(field::message))) return std::nullopt;
  chat_response r;
  r.id = std::move(id_);
  r.model = std::move(model_);
  r.created = created_.value_or(0);
  std::string reasoning = reasoning_content_.empty() ? std::move(reasoning_) : std::move(reasoning_content_);
  if (!reasoning.empty()) r.content.push_back(content_part::make_reasoning({std::move(reasoning), {}, {}}));
  if (!content_.empty()) r.content.push_back(content_part::make_text(std::move(content_)));
  if (!refusal_.empty()) r.content.push_back(content_part::make_text(std::move(refusal_)));
  if (!finish_.empty()) r.finish = openai_finish(finish_);
  r.usage = usage_;
  return r;
}

}  // namespace

std::optional<chat_response> read_plain_openai_answer(std::string_view body, const parse_limits& limits) {
  json::parse_options opt;
  opt.max_depth = limits.max_json_depth;
  json::basic_parser<plain_answer_handler> parser(opt, limits);
  json::error_code ec;
  if (!json_scan::parse_whole(parser, body, ec)) return std::nullopt;
  return parser.handler().take();
}

}  // namespace sy::api::detail
