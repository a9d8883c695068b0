// Chapter 08 — the paged KV cache: blocks from one pool, block tables, shared prompts.
//
// Adds: a pool of fixed-size blocks with a free list and reference counts (block_pool.cpp),
// block tables and attention through them, copy-on-write sharing (paged_cache.cpp), and a
// server that admits requests while blocks are free, shares a prompt between its samples and
// preempts when the pool runs out (paged_server.cpp); --verify against chapter 05's solo runs
// and --bench (bench.cpp).
// Builds on: chapter 07 (the batched step — unchanged, it only gets other caches — the
// requests), chapter 05 (forward_cached for every prefill), chapter 04 (sampling, stop rules).
//
// Run:  make chapter08 && ./chapter08          chapter 07's built-in queue, blocks of 16 tokens
//       ./chapter08 -p "The state of the Union" --samples 8 -n 24
//       ./chapter08 --cache-mib 1 --block-size 4 --json
//       ./chapter08 --bench                    paged vs contiguous, measured

#include "08_paged_kv_cache/bench.hpp"         // --bench (step 7)
#include "08_paged_kv_cache/options.hpp"       // the flags
#include "08_paged_kv_cache/paged_server.hpp"  // the pool, the tables, admission (steps 2-6)
#include "08_paged_kv_cache/report.hpp"        // what the run prints

#include "07_batched_decoding/report.hpp"      // --verify's table and JSON (chapter 07)
#include "07_batched_decoding/verify.hpp"      // --verify (chapter 07's comparison with solo runs)
#include "03_forward_pass/model_flags.hpp"
#include "common/errors.hpp"
#include "common/progress.hpp"

#include <optional>
#include <vector>

namespace {

using namespace gpt2;

// --verify: every sequence as the request chapter 05 would run alone — same prompt, same
// limit, seed = its request's seed + its sample number — and compared with chapter 07's check.
std::vector<RequestCheck> verify_sequences(const Gpt2Weights& weights, const std::vector<Request>& requests,
                                           const PagedOptions& options, const PagedRun& run) {
    std::vector<Request> alone;
    for (std::size_t i = 0; i < run.request_of.size(); ++i) {
        Request r = requests[run.request_of[i]];
        r.seed += static_cast<std::uint64_t>(run.sample_of[i]);
        alone.push_back(r);
    }
    ServeOptions solo;
    solo.sampling = options.sampling;
    solo.stop_at_end_of_text = options.stop_at_end_of_text;
    solo.capture_logits = true;
    return compare_with_solo_runs(weights, alone, solo, run.served);
}

int body(int argc, char** argv) {
    chapter08::Flags flags;
    if (!chapter08::parse_flags(argc, argv, flags)) return 0;
    const GenerationOptions generation = generation_options(flags.generation);  // bad values stop here
    const bool text_needed = flags.requests.empty() && !flags.bench;
    const std::optional<Tokenizer> tokenizer = load_tokenizer_if_possible(flags.model, text_needed);
    const Gpt2Weights weights = load_model(flags.model);
    // --- 7. --bench: paged against contiguous, measured ---
    if (flags.bench) return chapter08::run_bench(flags, weights);

    // --- 1. The requests (chapter 07's: a file, one prompt, or the built-in queue) ---
    const std::vector<Request> requests = chapter07::requests_from_flags(flags, weights.config, generation, tokenizer);

    // --- 2-6. The pool, the block tables, admission: serve every request from the pool ---
    PagedOptions options;
    options.batch = flags.batch;
    options.block_size = flags.block_size;
    options.cache_bytes = static_cast<std::uint64_t>(flags.cache_mib) << 20;
    options.samples = flags.samples;
    options.admission = flags.admission == "contiguous" ? Admission::Reserve : Admission::OnDemand;
    options.sampling = generation.sampling;
    options.stop_at_end_of_text = generation.stop_at_end_of_text;
    options.capture_logits = flags.verify;
    Progress progress("serving " + std::to_string(requests.size() * flags.samples) + " sequences",
                      static_cast<int>(most_new_tokens(requests, weights.config.n_positions) * flags.samples));
    const bool show_progress = !flags.model.json;
    const PagedRun run = serve_paged(weights, requests, options, [&](long long tokens) {
        if (show_progress) progress.update(static_cast<int>(tokens));
    });
    if (show_progress) progress.finish();

    // --- 8. --verify: every sequence against its solo run (chapter 05), no sharing there ---
    std::vector<RequestCheck> checks;
    if (flags.verify) checks = verify_sequences(weights, requests, options, run);
    const Tokenizer* text = tokenizer ? &*tokenizer : nullptr;
    if (flags.model.json) {
        Json out = chapter08::run_json(run, text, options, weights.source);
        if (flags.verify) out["checks"] = chapter07::checks_json(checks);
        print_json(out);
    } else {
        chapter08::print_run(run, text, options, weights.source);
        if (flags.verify) chapter07::print_checks(checks, run.served);
    }
    require_identical(checks, "sequence");
    return 0;
}

}  // namespace

int main(int argc, char** argv) { return gpt2::run_program("chapter08", argc, argv, body); }
