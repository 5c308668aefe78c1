#include "router/request_fields.h"

#include <array>

#include <boost/json/basic_parser_impl.hpp>

#include "core/json_scan.h"

namespace sy {

namespace {

namespace json = boost::json;

constexpr std::size_t max_user_bytes = 256;

// The objects and arrays whose members are read; every other is passed over.
enum class scope : std::uint8_t {
  other,
  top,       // the body
  tools,     // top.tools (an array: only whether it has elements)
  messages,  // top.messages (an array)
  message,   // an object of messages
  content,   // message.content, an array of parts
  part,      // an object of content
};

enum class member : std::uint8_t { other, model, stream, user, tools, messages, prompt, content, text, type };

member classify(scope where, std::string_view key) {
  switch (where) {
    case scope::top:
      if (key == "model") return member::model;
      if (key == "stream") return member::stream;
      if (key == "user") return member::user;
      if (key == "tools") return member::tools;
      if (key == "messages") return member::messages;
      if (key == "prompt") return member::prompt;
      return member::other;
    case scope::message: return key == "content" ? member::content : member::other;
    case scope::part:
      if (key == "text") return member::text;
      if (key == "type") return member::type;
      return member::other;
    default: return member::other;
  }
}

// The routing fields, as a basic_parser handler.
class fields_handler : public json_scan::handler_base {
 public:
  bool on_object_begin(json::error_code&) {
    scope s = scope::other;
    if (at_.depth() == 0)
      s = scope::top, out_.is_object = true;
    else if (at_.here() == scope::messages)
      s = scope::message;
    else if (at_.here() == scope::content)
      s = scope::part;
    return at_.enter(s);
  }
  bool on_object_end(std::size_t, json::error_code&) {
    if (at_.here() == scope::part) {  // a part of a message's content
      message_bytes_ += part_text_bytes_;
      message_image_ = message_image_ || part_image_;
      part_text_bytes_ = 0;
      part_image_ = false;
    } else if (at_.here() == scope::message) {
      messages_bytes_ += message_bytes_;
      messages_image_ = messages_image_ || message_image_;
      message_bytes_ = 0;
      message_image_ = false;
    }
    return at_.leave();
  }
  bool on_array_begin(json::error_code&) {
    scope s = scope::other;
    if (at_.here() == scope::top && at_.pending == member::tools)
      s = scope::tools;
    else if (at_.here() == scope::top && at_.pending == member::messages)
      s = scope::messages;
    else if (at_.here() == scope::message && at_.pending == member::content)
      s = scope::content;
    return at_.enter(s);
  }
  bool on_array_end(std::size_t n, json::error_code&) {
    if (at_.here() == scope::tools) tools_ = n > 0;
    return at_.leave();
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    if (at_.here() != scope::other) append(key_, s, max_key_bytes);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    at_.pending = member::other;
    if (at_.here() == scope::other) return true;
    append(key_, s, max_key_bytes);
    if (key_.size() <= max_key_bytes) at_.pending = classify(at_.here(), key_);
    key_.clear();
    forget(at_.pending);  // a repeated member: only its last occurrence counts
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    if (wants_text()) append(text_, s, text_limit());
    return true;
  }
  bool on_string(json::string_view s, std::size_t n, json::error_code&);
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return at_.value_done(); }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return at_.value_done(); }
  bool on_double(double, json::string_view, json::error_code&) { return at_.value_done(); }
  bool on_bool(bool b, json::error_code&) {
    if (at_.pending == member::stream) out_.stream = b;
    return at_.value_done();
  }
  bool on_null(json::error_code&) { return at_.value_done(); }

  request_fields take(std::string_view path) {
    out_.needs.chat = path == "/chat/completions";
    out_.needs.embeddings = path == "/embeddings";
    out_.needs.tools = tools_;
    out_.needs.vision = messages_image_;
    out_.needs.prompt_tokens = static_cast<std::int64_t>((messages_bytes_ + prompt_bytes_) / 4);
    return std::move(out_);
  }

 private:
  static constexpr std::size_t max_key_bytes = 16;  // longer than any member read

  // Appends at most one byte past `limit` (so that "longer than the limit" shows).
  static void append(std::string& to, std::string_view s, std::size_t limit) {
    if (to.size() > limit) return;
    to.append(s.substr(0, limit + 1 - to.size()));
  }
  bool wants_text() const {
    return at_.pending == member::model || at_.pending == member::user || at_.pending == member::type;
  }
  std::size_t text_limit() const {
    return at_.pending == member::user ? max_user_bytes : at_.pending == member::type ? 16 : std::size_t(-2);
  }
  void forget(member m) {
    switch (m) {
      case member::model: out_.model.reset(); break;
      case member::stream: out_.stream = false; break;
      case member::user: out_.user.clear(); break;
      case member::tools: tools_ = false; break;
      case member::messages:
        messages_bytes_ = 0;
        messages_image_ = false;
        break;
      case member::prompt: prompt_bytes_ = 0; break;
      case member::content:
        message_bytes_ = 0;
        message_image_ = false;
        break;
      case member::text: part_text_bytes_ = 0; break;
      case member::type: part_image_ = false; break;
      case member::other: break;
    }
  }

  json_scan::position<scope, member, 8> at_;
  std::string key_, text_;

  request_fields out_;
  bool tools_ = false;
  std::size_t messages_bytes_ = 0, prompt_bytes_ = 0, message_bytes_ = 0, part_text_bytes_ = 0;
  bool messages_image_ = false, message_image_ = false, part_image_ = false;
};

bool fields_handler::on_string(json::string_view s, std::size_t n, json::error_code&) {
  if (wants_text()) append(text_, s, text_limit());
  switch (at_.pending) {
    case member::model: out_.model = std::move(text_); break;
    case member::user: out_.user = text_.substr(0, max_user_bytes); break;
    case member::type: part_image_ = text_ == "image_url"; break;
    case member::prompt: prompt_bytes_ = n; break;
    case member::content: message_bytes_ = n; break;  // a message's content as one string
    case member::text: part_text_bytes_ = n; break;
    default: break;
  }
  text_.clear();
  return at_.value_done();
}

}  // namespace

request_fields read_request_fields(std::string_view body, std::string_view path, boost::system::error_code& ec) {
  json::basic_parser<fields_handler> parser(json::parse_options{});
  if (!json_scan::parse_whole(parser, body, ec)) return {};
  return parser.handler().take(path);
}

}  // namespace sy
