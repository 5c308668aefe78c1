#pragma once
// What an engine child (llama-server) inherits from the gateway's environment: only what it
// can need to run — paths, locale, time zone, temp folder, the GPU runtimes' and math
// libraries' settings, sanitizer options — never the rest, which holds the gateway's secrets
// (cloud API keys, SWITCHYARD_API_KEYS, tokens).
#include <string>
#include <string_view>
#include <vector>

namespace sy::engine {

// Whether a NAME=value entry of the gateway's environment passes to a child.
bool inherited_by_children(std::string_view entry);

// The child's environment: the inherited entries of `parent` (a NULL-terminated array like
// `environ`), then `extra` (NAME=value entries that override inherited ones of the same name).
std::vector<std::string> child_environment(char** parent, const std::vector<std::string>& extra);

}  // namespace sy::engine
