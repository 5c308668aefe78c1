// HTTPS upstreams are verified against the system's CAs: a self-signed upstream is refused.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway_harness.h"

using namespace sy::test;
using testing::HasSubstr;

namespace {

unsigned short free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

TEST(upstream_tls, self_signed_upstream_is_refused) {
  auto dir = temp_dir();
  child_process keygen({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        dir + "/key.pem", "-out", dir + "/cert.pem", "-subj", "/CN=localhost", "-days", "1", "-addext",
                        "subjectAltName=DNS:localhost,IP:127.0.0.1"},
                       dir + "/keygen.log");
  ASSERT_EQ(keygen.wait_exit(std::chrono::seconds(30)), 0) << keygen.output();
  auto port = std::to_string(free_port());
  child_process tls_server(
      {"/usr/bin/openssl", "s_server", "-accept", port, "-cert", dir + "/cert.pem", "-key", dir + "/key.pem", "-www"},
      dir + "/s_server.log");
  ASSERT_TRUE(tls_server.wait_for(std::regex("ACCEPT"), std::chrono::seconds(10))) << tls_server.output();
  gateway_process gw(
      "backends:\n  - name: selfsigned\n    url: https://localhost:" + port + "/v1\n    list_models: false\n", nullptr);
  ASSERT_TRUE(gw.started()) << gw.process().output();
  auto r = http_request(gw.port(), "POST", "/v1/chat/completions", R"({"model":"selfsigned/m","messages":[]})");
  EXPECT_EQ(r.status, 502u);
  EXPECT_THAT(r.body, HasSubstr("TLS handshake with localhost failed"));
  EXPECT_THAT(r.body, HasSubstr("certificate verify failed"));
}
