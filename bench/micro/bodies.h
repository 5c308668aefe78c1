#pragma once
// The bodies the micro-benchmarks read and write: the size and shape of what bench/gateway sends
// and mock-openai answers, so their numbers line up with its instructions-per-request table.
#include <string>

namespace sy::bench {

inline const std::string openai_answer =
    R"({"id":"chatcmpl-17","object":"chat.completion","created":1765000000,"model":"mock-chat",)"
    R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the mock upstream, )"
    R"(one two three four five six seven."},"logprobs":null,"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":5,"completion_tokens":12,"total_tokens":17}})";

inline const std::string openai_request =
    R"({"model":"mock/mock-chat","messages":[{"role":"user","content":"Say hello in French."}]})";

}  // namespace sy::bench
