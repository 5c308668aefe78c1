#pragma once
// A small blocking HTTP/1.1 client for integration tests: one keep-alive connection, whole
// responses or a response read body-piece by body-piece (to observe streaming).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sy::test {

struct response {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lowercased names
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class http_connection {
 public:
  explicit http_connection(unsigned short port);
  ~http_connection();

  // Sends a request and reads the whole response. Throws on I/O errors.
  response request(const std::string& method, const std::string& target, const std::string& body = "",
                   const std::vector<std::pair<std::string, std::string>>& headers = {});
  // Sends a request and reads only the response head; then read_piece() reads body bytes as they come.
  response start(const std::string& method, const std::string& target, const std::string& body = "",
                 const std::vector<std::pair<std::string, std::string>>& headers = {});
  // The next piece of body (empty at the end). Throws on I/O errors (e.g. a reset).
  std::string read_piece();
  // Reads until `text` has appeared in the body read so far (or the end); returns all of it.
  std::string read_until(const std::string& text);
  // Reads the rest of the body, to its end.
  std::string read_rest();
  bool done() const;
  // Whether the server closed the connection.
  bool closed_by_peer();
  // Writes raw bytes (for malformed-request tests) and reads one response.
  response raw(const std::string& bytes);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// One request on a new connection.
response http_request(unsigned short port, const std::string& method, const std::string& target,
                      const std::string& body = "",
                      const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace sy::test
