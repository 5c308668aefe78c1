#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace sy {

// How a secret is shown anywhere a person can read it (config show, logs, errors, the admin
// API): never in full. Long secrets keep their last 4 characters so a person can tell keys apart.
std::string mask_secret(std::string_view secret);

// A URL as it may be shown: "https://user:pass@host/v1" -> "https://***@host/v1".
std::string without_url_credentials(std::string_view url);

// Whether a URL carries user:password@ (or user@) before its host.
bool has_url_credentials(std::string_view url);

// Replaces every occurrence of the given secrets in a text with their mask (mask_secret), for
// text that came from outside (an upstream's error body) on its way to a client, a log line,
// an event or the admin API. Secrets shorter than 8 characters are not looked for (they would
// match ordinary words). Immutable once built; safe to share between threads.
class secret_scrubber {
 public:
  secret_scrubber() = default;
  explicit secret_scrubber(std::vector<std::string> secrets);
  std::string scrub(std::string text) const;
  bool empty() const { return secrets_.empty(); }

 private:
  std::vector<std::string> secrets_;  // longest first: a key containing another is masked whole
};

// Compares in time that depends only on the lengths, not on where the first difference is.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace sy
