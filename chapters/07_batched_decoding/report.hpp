// report.hpp — what chapter 07 prints: each request's text, the run's table and totals, the
// --verify comparison, and the --json object (nlohmann-json).
#pragma once

#include "01_tokenizer/tokenizer.hpp"
#include "07_batched_decoding/scheduler.hpp"
#include "07_batched_decoding/verify.hpp"
#include "common/json_out.hpp"

#include <string>
#include <vector>

namespace chapter07 {

// Every request's prompt and continuation, then one table row per request and the totals.
void print_served(const gpt2::ServeResult& served, const gpt2::Tokenizer* tokenizer, const gpt2::ServeOptions& options,
                  const std::string& model);
// The parts of it chapter 08 prints too: each sequence's text and row (labelled "3", or "3.1"
// for sample 1 of request 3), and the totals.
void print_sequences(const gpt2::ServeResult& served, const gpt2::Tokenizer* tokenizer,
                     const std::vector<std::string>& labels);
void print_totals(const gpt2::ServeResult& served);
// {"requests": [{index, prompt_ids, generated_ids, stop_reason, time_to_first_token_s,
//   finish_s, ...}], "timing": {total_s, decode_tokens_per_s, steps, ...}, ...}
gpt2::Json served_json(const gpt2::ServeResult& served, const gpt2::Tokenizer* tokenizer, const gpt2::ServeOptions& options,
                       const std::string& model);
// --verify: one line per request (text), or "checks" added to the JSON.
void print_checks(const std::vector<gpt2::RequestCheck>& checks, const gpt2::ServeResult& served);
gpt2::Json checks_json(const std::vector<gpt2::RequestCheck>& checks);

}  // namespace chapter07
