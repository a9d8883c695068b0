// Chapter 07 — batched decoding: many sequences per step, one weight read for all of them.
//
// Adds: a queue of requests (requests.cpp), B slots each with its own KV cache, the batched
// decode step (batched_step.cpp: decode_step_batched, every weight product over B columns,
// attention per sequence over its own cache), static and continuous batching
// (scheduler.cpp), --verify against chapter 05's solo runs (verify.cpp) and the roofline,
// measured (roofline.cpp, bench.cpp).
// Builds on: chapter 05 (KVCache::append, forward_cached for the prefill), chapter 04
// (sampling, the stop rules, the cost counts), chapter 03 (the block pieces).
//
// Run:  make chapter07 && ./chapter07            six built-in requests, 4 at a time
//       ./chapter07 --requests my.jsonl --batch 8 --json
//       ./chapter07 --verify                     each request against its solo run
//       ./chapter07 --bench                      tokens/s against B, and static vs continuous

#include "07_batched_decoding/bench.hpp"      // --bench (step 6)
#include "07_batched_decoding/options.hpp"    // the flags; the requests they give (step 1)
#include "07_batched_decoding/report.hpp"     // what the steps print
#include "07_batched_decoding/requests.hpp"   // the queue (step 1)
#include "07_batched_decoding/scheduler.hpp"  // slots, the batched steps, the two policies (steps 2-4)
#include "07_batched_decoding/verify.hpp"     // --verify (step 5)

#include "03_forward_pass/model_flags.hpp"  // the tokenizer and the model (chapter 03)
#include "common/errors.hpp"
#include "common/progress.hpp"
#include "common/report.hpp"

#include <algorithm>
#include <optional>
#include <vector>

namespace {

using namespace gpt2;
using chapter07::Flags;

int body(int argc, char** argv) {
    Flags flags;
    if (!chapter07::parse_flags(argc, argv, flags)) return 0;
    const GenerationOptions generation = generation_options(flags.generation);  // bad values stop here

    // A text prompt needs the tokenizer; ids (--prompt-ids, a file of prompt_ids, --bench) do not.
    const bool text_needed = flags.requests.empty() && !flags.bench;
    const std::optional<Tokenizer> tokenizer = load_tokenizer_if_possible(flags.model, text_needed);
    const Gpt2Weights weights = load_model(flags.model);
    // --- 6. --bench: tokens/s against B, next to the roofline; static vs continuous ---
    if (flags.bench) return chapter07::run_bench(flags, weights);

    // --- 1. The requests: a JSON Lines file, one prompt, or the built-in queue ---
    const std::vector<Request> requests = chapter07::requests_from_flags(flags, weights.config, generation, tokenizer);

    // --- 2. The batch: B slots, each with its own KV cache, and how slots are refilled ---
    ServeOptions options;
    options.batch = flags.batch;
    options.batching = flags.batching == "static" ? Batching::Static : Batching::Continuous;
    options.sampling = generation.sampling;  // each request brings its own seed
    options.stop_at_end_of_text = generation.stop_at_end_of_text;
    options.capture_logits = flags.verify;

    // --- 3-4. Serve: prefill each request as it joins, then decode every running sequence
    //          together (decode_step_batched), freeing slots as sequences finish ---
    Progress progress("serving " + std::to_string(requests.size()) + " requests",
                      static_cast<int>(most_new_tokens(requests, weights.config.n_positions)));
    const bool show_progress = !flags.model.json;
    const ServeResult served = serve(weights, requests, options, [&](long long tokens) {
        if (show_progress) progress.update(static_cast<int>(tokens));
    });
    if (show_progress) progress.finish();

    // --- 5. --verify: each request alone (chapter 05) must give the same tokens ---
    std::vector<RequestCheck> checks;
    if (flags.verify) checks = compare_with_solo_runs(weights, requests, options, served);
    const Tokenizer* text = tokenizer ? &*tokenizer : nullptr;
    if (flags.model.json) {
        Json out = chapter07::served_json(served, text, options, weights.source);
        if (flags.verify) out["checks"] = chapter07::checks_json(checks);
        print_json(out);
    } else {
        chapter07::print_served(served, text, options, weights.source);
        if (flags.verify) chapter07::print_checks(checks, served);
    }
    require_identical(checks, "request");  // --verify's exit code
    return 0;
}

}  // namespace

int main(int argc, char** argv) { return gpt2::run_program("chapter07", argc, argv, body); }
