#pragma once
// What the hub client throws when a remote file cannot be read: the reason in words a user can act
// on ("gated or private: set HF_TOKEN"), never a token.
#include <stdexcept>
#include <string>

namespace sy::hub {

class hub_error : public std::runtime_error {
 public:
  explicit hub_error(const std::string& what, int status = 0) : std::runtime_error(what), status_(status) {}
  // The HTTP status that caused it (0: transport, protocol or limit error).
  int status() const { return status_; }

 private:
  int status_;
};

}  // namespace sy::hub
