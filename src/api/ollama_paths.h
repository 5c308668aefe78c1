#pragma once
// Ollama's endpoints, the one list of them: what the gateway serves to Ollama clients and what
// an Ollama upstream is sent.
#include <algorithm>
#include <array>
#include <string_view>

namespace sy::api {

inline constexpr std::string_view ollama_chat_path = "/api/chat";
inline constexpr std::string_view ollama_generate_path = "/api/generate";
inline constexpr std::string_view ollama_embed_path = "/api/embed";
inline constexpr std::string_view ollama_embeddings_path = "/api/embeddings";  // the older embedding API
inline constexpr std::string_view ollama_show_path = "/api/show";
inline constexpr std::string_view ollama_tags_path = "/api/tags";
inline constexpr std::string_view ollama_ps_path = "/api/ps";
inline constexpr std::string_view ollama_version_path = "/api/version";

// The endpoints whose request body is an inference request in Ollama's words.
inline constexpr std::array ollama_inference_paths{ollama_chat_path, ollama_generate_path, ollama_embed_path,
                                                   ollama_embeddings_path};
// The endpoints that read state (GET): listings and the version.
inline constexpr std::array ollama_listing_paths{ollama_tags_path, ollama_ps_path, ollama_version_path};

inline bool is_ollama_inference_path(std::string_view path) {
  return std::ranges::find(ollama_inference_paths, path) != ollama_inference_paths.end();
}
inline bool is_ollama_listing_path(std::string_view path) {
  return std::ranges::find(ollama_listing_paths, path) != ollama_listing_paths.end();
}
// Every endpoint of Ollama's API that the gateway serves (their errors are written Ollama's way).
inline bool is_ollama_path(std::string_view path) {
  return is_ollama_inference_path(path) || is_ollama_listing_path(path) || path == ollama_show_path;
}

}  // namespace sy::api
