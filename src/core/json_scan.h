#pragma once
// Pieces shared by the one-pass JSON readers: boost::json::basic_parser handlers that read a few
// members of a document without building a tree (backends/reported_usage.cpp,
// router/request_fields.cpp). Every callback of such a handler accepts, so the parser and its
// parse_options alone decide whether the document is valid.
#include <array>
#include <cstddef>
#include <string_view>

#include <boost/json/basic_parser.hpp>

namespace sy::json_scan {

// A handler's base: no limits of its own, and the callbacks a member reader has no use for.
struct handler_base {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }
  bool on_number_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }
};

// Where the parser is: the scope of each open object or array (for the first Depth levels; deeper
// ones, and the outside of the document, are Scope{}), and the member whose value comes next
// (Member{} when none that is read). Scope{} and Member{} mean "not read".
template <class Scope, class Member, std::size_t Depth>
class position {
 public:
  Scope here() const { return depth_ == 0 || depth_ > stack_.size() ? Scope{} : stack_[depth_ - 1]; }
  std::size_t depth() const { return depth_; }
  // Each returns true: what a handler callback returns to go on.
  bool enter(Scope s) {
    if (depth_ < stack_.size()) stack_[depth_] = s;
    ++depth_;
    pending = Member{};
    return true;
  }
  bool leave() {
    --depth_;
    pending = Member{};
    return true;
  }
  bool value_done() {
    pending = Member{};
    return true;
  }

  Member pending{};

 private:
  std::array<Scope, Depth> stack_{};
  std::size_t depth_ = 0;
};

// Runs `parser` over the whole of `doc` as json::parse would, with the same errors (extra_data
// for anything after the document). True when the document was read whole and valid. (The
// including file includes boost/json/basic_parser_impl.hpp.)
template <class Handler>
bool parse_whole(boost::json::basic_parser<Handler>& parser, std::string_view doc, boost::json::error_code& ec) {
  ec = {};
  auto used = parser.write_some(false, doc.data(), doc.size(), ec);
  if (!ec && used < doc.size()) ec = boost::json::error::extra_data;
  return !ec;
}

}  // namespace sy::json_scan
