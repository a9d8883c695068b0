// generation_report.hpp — showing a generation: tokens streamed as they come, and the
// --json object both decode chapters print (one object on stdout, nothing else there).
#pragma once

#include "04_naive_decode/generate.hpp"
#include "common/json_out.hpp"  // Json
#include "03_forward_pass/model_flags.hpp"
#include "01_tokenizer/tokenizer.hpp"

#include <optional>
#include <string>
#include <vector>

namespace gpt2 {

// Streams a generation to stdout: the prompt first, then every token the moment it is
// chosen (flushed, so you watch the speed). Without a tokenizer it prints ids: " [15496]".
class TokenPrinter {
public:
    explicit TokenPrinter(const Tokenizer* tokenizer) : tokenizer_(tokenizer) {}
    void prompt(const std::vector<int>& ids) const;
    void token(int id) const;
    void end() const;  // a final newline

private:
    const Tokenizer* tokenizer_;
};

// Text of ids, or "" without a tokenizer.
std::string decode_text(const Tokenizer* tokenizer, const std::vector<int>& ids);

// The fields every decode chapter's --json has (a chapter adds its own to this object):
//   "prompt_ids", "generated_ids", "text" (the generated continuation), "prompt_text",
//   "stop_reason", "stop_message", "sampling", "timing": {prefill_s, decode_s, new_tokens,
//   decode_tokens_per_s, time_to_first_token_s, total_s}
Json generation_json(const Generation& run, const Tokenizer* tokenizer, const SamplingSettings& sampling);
// "max_new_tokens" | "end_of_text" | "context_window"
const char* stop_reason_name(StopReason reason);

}  // namespace gpt2
