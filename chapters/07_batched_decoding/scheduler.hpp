// scheduler.hpp — serving a queue of requests B at a time (chapter 07, steps 2 and 4).
//
// Each of the B slots owns one KV cache, allocated once for the whole window and reset for
// every request it takes. A request joins a slot with its prefill (chapter 05's
// forward_cached over its prompt, which also gives its first token); then every decode step
// runs ALL running sequences through decode_step_batched together. Two policies:
//   Static      a batch of B requests runs until its LONGEST member finishes; finished
//               members keep their slots idle until then (request-level scheduling);
//   Continuous  a slot is freed the step its sequence finishes, and the next waiting request
//               is prefilled into it and joins the batch at the next step (iteration-level
//               scheduling, as Orca named it).
#pragma once

#include "04_naive_decode/generate.hpp"      // StopReason (chapter 04)
#include "04_naive_decode/sampling.hpp"      // SamplingSettings, Sampler (chapter 04)
#include "03_forward_pass/gpt2_weights.hpp"
#include "07_batched_decoding/requests.hpp"

#include <armadillo>
#include <functional>
#include <string>
#include <vector>

namespace gpt2 {

enum class Batching { Static, Continuous };
const char* batching_name(Batching batching);  // "static" | "continuous"

struct ServeOptions {
    int batch = 4;                       // at most this many sequences decode together
    Batching batching = Batching::Continuous;
    SamplingSettings sampling;           // shared settings; each request's own seed replaces .seed
    bool stop_at_end_of_text = true;     // benchmarks turn it off
    bool capture_logits = false;         // keep every step's logits (for --verify and the tests)
};

struct RequestResult {
    int index = 0;
    std::vector<int> prompt_ids, generated_ids;
    StopReason stop = StopReason::MaxNewTokens;
    int window = 0;
    // Seconds since the run began (every request arrives at 0, so waiting counts): when its
    // first token was chosen, and its last. NaN for a request that generated nothing.
    double time_to_first_token_s = 0, finish_s = 0;
    std::vector<arma::fvec> step_logits;  // (vocab) per generated token, with capture_logits

    int new_tokens() const { return static_cast<int>(generated_ids.size()); }
    // Time per output token after the first: (finish − first token) / (tokens − 1); NaN if < 2.
    double time_per_output_token_s() const;
};

struct ServeResult {
    Batching batching = Batching::Continuous;
    int slots = 0;                     // min(batch, number of requests)
    std::vector<RequestResult> requests;  // in input order
    int steps = 0;                     // batched decode steps
    long long slot_steps = 0;          // steps × slots
    long long idle_slot_steps = 0;     // of those, slots with no running sequence
    long long decode_tokens = 0;       // tokens chosen by decode steps (the first of each request comes from its prefill)
    double total_s = 0, prefill_s = 0, decode_s = 0;

    long long generated_tokens() const;
    double decode_tokens_per_s() const { return decode_s > 0 ? decode_tokens / decode_s : 0.0; }
    double throughput_tokens_per_s() const { return total_s > 0 ? generated_tokens() / total_s : 0.0; }
};

// Serves every request; `on_progress` (may be empty) is told the tokens generated so far.
ServeResult serve(const Gpt2Weights& weights, const std::vector<Request>& requests, const ServeOptions& options,
                  const std::function<void(long long tokens)>& on_progress = {});

// Median and 90th percentile of the finite values (NaN when there are none).
struct Spread {
    double median = 0, p90 = 0;
};
Spread spread_of(std::vector<double> values);

}  // namespace gpt2
