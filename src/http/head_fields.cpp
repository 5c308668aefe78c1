#include "http/head_fields.h"

#include <boost/beast/core/string.hpp>

namespace sy::http {

namespace bhttp = boost::beast::http;

namespace {

void keep_first(std::string_view& slot, std::string_view value) {
  if (slot.data() == nullptr) slot = value;
}

// Names Beast may or may not have in its field table (it knows Sec-Fetch-Site, not the x-
// ones): matched by their text, so a Boost that learns a name changes nothing here.
void match_by_name(head_fields& h, std::string_view name, std::string_view value) {
  auto is = [&](std::string_view n) { return name.size() == n.size() && boost::beast::iequals(name, n); };
  switch (name.size()) {
    case 9:
      if (is("x-api-key")) keep_first(h.api_key, value);
      break;
    case 12:
      if (is("x-request-id")) keep_first(h.request_id, value);
      if (is("x-session-id")) keep_first(h.session_id, value);
      break;
    case 14:
      if (is("sec-fetch-site")) keep_first(h.sec_fetch_site, value);
      break;
    case 17:
      if (is("anthropic-version")) keep_first(h.anthropic_version, value);
      break;
    default: break;
  }
}

}  // namespace

head_fields scan_head_fields(const bhttp::fields& fields) {
  head_fields h;
  for (const auto& f : fields) {
    switch (f.name()) {
      case bhttp::field::host:
        ++h.host_count;
        keep_first(h.host, f.value());
        break;
      case bhttp::field::content_length: ++h.content_length_count; break;
      case bhttp::field::transfer_encoding:
        ++h.transfer_encoding_count;
        keep_first(h.transfer_encoding, f.value());
        break;
      case bhttp::field::origin: keep_first(h.origin, f.value()); break;
      case bhttp::field::expect: keep_first(h.expect, f.value()); break;
      case bhttp::field::authorization: keep_first(h.authorization, f.value()); break;
      case bhttp::field::content_type: keep_first(h.content_type, f.value()); break;
      case bhttp::field::accept: keep_first(h.accept, f.value()); break;
      default: match_by_name(h, f.name_string(), f.value()); break;
    }
  }
  return h;
}

}  // namespace sy::http
