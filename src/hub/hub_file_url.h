#pragma once
// Names of files on a Hugging Face hub: "owner/repo/path/file.gguf" ->
// "<endpoint>/owner/repo/resolve/main/path/file.gguf".
#include <optional>
#include <string>
#include <string_view>

namespace sy::hub {

// The hub endpoint: $HF_ENDPOINT without a trailing '/', else https://huggingface.co.
std::string hub_endpoint();

// A plain owner, repo or file name: [A-Za-z0-9._-], 1..96 characters, not "." or "..".
bool is_plain_name(std::string_view s);
// true for "owner/repo" with plain names.
bool valid_repo_id(std::string_view id);

// nullopt unless `spec` is owner/repo/<path>.gguf with plain segments (no "..", no empty ones);
// the path is percent-encoded where needed.
std::optional<std::string> hub_file_url(std::string_view spec, std::string_view endpoint,
                                        std::string_view revision = "main");

}  // namespace sy::hub
