#pragma once
// The one error the GGUF reader throws: what is wrong and the byte offset where it was found.
// The text quotes keys and names from the file, so it is made terminal-safe here, once.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/untrusted_text.h"

namespace sy::gguf {

class gguf_error : public std::runtime_error {
 public:
  gguf_error(uint64_t offset, const std::string& what)
      : std::runtime_error("at byte " + std::to_string(offset) + ": " + terminal_safe(what)), offset_(offset) {}
  // Where the bad field starts (for I/O errors, where the read started).
  uint64_t offset() const { return offset_; }

 private:
  uint64_t offset_;
};

}  // namespace sy::gguf
