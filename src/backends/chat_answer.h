#pragma once
// One chat answer's way from an upstream to a client: the upstream's wire is decoded into the
// canonical form (api::chat_response, api::stream_event) once, and that is encoded once for the
// client's wire — whatever the two wires are, with no third format between them. Usage and the
// content events are read from the canonical form on the way (no second parse, no substring scan).
//
// A stream that ends without the upstream's own end marker was cut short: it ends with the
// client's error event, never a fabricated clean end. After an error nothing more goes out.
// One per send; used on the calling worker only.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/chat_types.h"
#include "backends/answer_codec.h"
#include "backends/openai_compat/openai_backend.h"

namespace sy::backends {

class chat_answer final : public response_translator {
 public:
  chat_answer(std::unique_ptr<answer_decoder> from, std::unique_ptr<answer_encoder> to);
  // An OpenAI-compatible upstream's answer for a client of `to`'s wire.
  static chat_answer from_openai(std::unique_ptr<answer_encoder> to);

  std::string body(unsigned status, std::string_view upstream_body) override;
  std::string stream_events(std::string_view events) override;
  std::string stream_end() override;
  std::string stream_error(std::string_view message) override;
  std::string stream_cut_short() const override;
  std::string_view stream_content_type() const override { return to_->stream_content_type(); }
  bool counts_usage() const override { return true; }
  void tally(forward_outcome& out) const override;
  std::optional<std::string> unreadable() const override { return unreadable_; }

 private:
  std::string encode(api::stream_event& e);

  std::unique_ptr<answer_decoder> from_;
  std::unique_ptr<answer_encoder> to_;
  api::token_usage usage_;
  std::int64_t content_events_ = 0;
  bool failed_ = false;                    // an error event went out: nothing follows
  std::optional<std::string> unreadable_;  // a 2xx reply that could not be read: why
};

}  // namespace sy::backends
