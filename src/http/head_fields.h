#pragma once
// The header fields of a request that the server and the gateway act on, found in one walk over
// the parsed head. Each lookup in Beast's fields is a case-insensitive tree search; a request
// used to pay about ten of them (Host twice, Origin, Sec-Fetch-Site, Expect, X-Request-Id, the
// key, Content-Type, the framing counts, ...).
//
// The views point into the fields they were read from: valid while those live and are not
// changed. A field that occurs more than once gives its first value (as Beast's operator[]);
// the framing fields are also counted, for check_framing().
#include <cstdint>
#include <string_view>

#include <boost/beast/http/fields.hpp>

namespace sy::http {

struct head_fields {
  std::string_view host;
  std::string_view origin;
  std::string_view sec_fetch_site;
  std::string_view expect;
  std::string_view request_id;  // x-request-id
  std::string_view authorization;
  std::string_view api_key;  // x-api-key (Anthropic's clients)
  std::string_view content_type;
  std::string_view accept;
  std::string_view session_id;         // x-session-id (session-affine routes)
  std::string_view anthropic_version;  // present: an Anthropic client
  std::string_view transfer_encoding;
  std::uint32_t host_count = 0;
  std::uint32_t content_length_count = 0;
  std::uint32_t transfer_encoding_count = 0;
};

head_fields scan_head_fields(const boost::beast::http::fields& fields);

}  // namespace sy::http
