#include "hub/hub_file_url.h"

#include <cstdlib>
#include <vector>

namespace sy::hub {
namespace {

bool plain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

std::string encode_segment(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (plain(char(c))) {
      out += char(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

bool is_plain_name(std::string_view s) {
  if (s.empty() || s.size() > 96 || s == "." || s == "..") return false;
  for (char c : s)
    if (!plain(c)) return false;
  return true;
}

bool valid_repo_id(std::string_view id) {
  auto slash = id.find('/');
  if (slash == std::string_view::npos) return false;
  return is_plain_name(id.substr(0, slash)) && is_plain_name(id.substr(slash + 1));
}

std::string hub_endpoint() {
  const char* e = std::getenv("HF_ENDPOINT");
  std::string s = e && *e ? e : "https://huggingface.co";
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::optional<std::string> hub_file_url(std::string_view spec, std::string_view endpoint, std::string_view revision) {
  if (spec.size() < 5 || spec.substr(spec.size() - 5) != ".gguf" || spec.find("://") != std::string_view::npos)
    return std::nullopt;
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t slash = spec.find('/', start);
    parts.push_back(spec.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() < 3 || !is_plain_name(parts[0]) || !is_plain_name(parts[1])) return std::nullopt;
  std::string url = std::string(endpoint) + "/" + std::string(parts[0]) + "/" + std::string(parts[1]) + "/resolve/" +
                    encode_segment(revision);
  for (size_t i = 2; i < parts.size(); ++i) {
    if (parts[i].empty() || parts[i] == "." || parts[i] == "..") return std::nullopt;
    url += "/" + encode_segment(parts[i]);
  }
  return url;
}

}  // namespace sy::hub
