// Checks for chapter 07 (batched decoding): batching changes the speed and nothing else.
//
// The reference for every batched run is the same request run ALONE through chapter 05's
// cached decoding (itself checked against naive decoding and the numpy reference): tokens
// identical, logits within 1e-5. The scheduling counts (steps, idle slot-steps) are derived by
// hand in the comments; the roofline's arithmetic by hand from its formula.
#include "05_cached_decode/cached_decode.hpp"
#include "05_cached_decode/kv_cache.hpp"
#include "07_batched_decoding/batched_step.hpp"
#include "07_batched_decoding/roofline.hpp"
#include "07_batched_decoding/scheduler.hpp"
#include "07_batched_decoding/verify.hpp"
#include "common/paths.hpp"
#include "ragged_requests.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

using namespace gpt2;

namespace {

using gpt2_test::ragged_requests;  // the tiny fixture and a ragged queue (ragged_requests.hpp)
using gpt2_test::tiny_fixture;

const std::string kStep = "see chapters/07_batched_decoding/README.md, step 3 (the batched step)";

ServeOptions options_for(int batch, Batching batching, double temperature, int top_k, double top_p) {
    ServeOptions options;
    options.batch = batch;
    options.batching = batching;
    options.sampling.temperature = temperature;
    options.sampling.top_k = top_k;
    options.sampling.top_p = top_p;
    options.stop_at_end_of_text = false;
    options.capture_logits = true;
    return options;
}

// Every request: the same tokens as its solo run, logits within `tolerance` at every step.
void check_against_solo(const Gpt2Weights& w, const std::vector<Request>& requests, const ServeOptions& options,
                        float tolerance) {
    const ServeResult served = serve(w, requests, options);
    REQUIRE(served.requests.size() == requests.size());
    const std::vector<RequestCheck> checks = compare_with_solo_runs(w, requests, options, served);
    for (const RequestCheck& c : checks) {
        INFO("request " << c.index << " (batch " << options.batch << ", " << std::string(batching_name(options.batching))
                        << "): first different token at step " << c.first_difference
                        << ", max |logit diff| = " << c.max_abs_logit_diff << "; " << kStep);
        CHECK(c.identical);
        CHECK(c.max_abs_logit_diff <= tolerance);
    }
}

}  // namespace

TEST_SUITE("ch07_batched_decoding") {

TEST_CASE("every request in a batch gets the tokens of its solo run, greedy, at every batch size") {
    const Gpt2Weights& w = tiny_fixture();
    const std::vector<Request> requests = ragged_requests(w.config.vocab_size);
    for (int batch : {1, 2, 3, 5, 7, 9})  // 9: more slots asked for than there are requests
        for (Batching batching : {Batching::Continuous, Batching::Static})
            check_against_solo(w, requests, options_for(batch, batching, 0, 0, 1), 1e-5f);
}

TEST_CASE("every request in a batch gets the tokens of its solo run, sampling with top-k and top-p") {
    const Gpt2Weights& w = tiny_fixture();
    const std::vector<Request> requests = ragged_requests(w.config.vocab_size);
    for (int batch : {2, 4, 8})
        for (Batching batching : {Batching::Continuous, Batching::Static})
            check_against_solo(w, requests, options_for(batch, batching, 1.0, 50, 0.9), 1e-5f);
}

TEST_CASE("the stop rules are chapter 04's: -n, the window's last position, nothing for -n 0") {
    const Gpt2Weights& w = tiny_fixture();
    const std::vector<Request> requests = ragged_requests(w.config.vocab_size);
    const ServeResult served = serve(w, requests, options_for(3, Batching::Continuous, 0, 0, 1));
    // Request 2: a 40-token prompt in a 64-position window gives 25 tokens (positions 39..63),
    // the last of them never fed back, then stops at the window.
    CHECK(served.requests[2].new_tokens() == 64 + 1 - 40);
    CHECK(served.requests[2].stop == StopReason::ContextWindow);
    CHECK(served.requests[3].new_tokens() == 0);
    CHECK(std::isnan(served.requests[3].time_to_first_token_s));
    CHECK(served.requests[5].new_tokens() == 1);
    CHECK(served.requests[0].new_tokens() == 9);
    CHECK(served.requests[0].stop == StopReason::MaxNewTokens);
}

TEST_CASE("a sequence's logits do not depend on the other sequences in its batch") {
    // Sequence 0 decodes beside neighbours of other lengths and contents. A cache shared
    // between slots, a neighbour's keys attended, or a position taken from the wrong
    // sequence would all change sequence 0's logits.
    const Gpt2Weights& w = tiny_fixture();
    const Gpt2Config& c = w.config;
    const std::vector<std::vector<int>> prompts = {{5, 6, 7, 8}, {200, 201}, {9, 9, 9, 9, 9, 9, 9, 9, 9, 9}, {42}};
    std::vector<std::unique_ptr<KVCache>> caches;
    std::unique_ptr<ForwardBuffers> prefill = make_forward_buffers(c, 16);
    arma::fvec first;
    for (const std::vector<int>& p : prompts) {
        caches.push_back(std::make_unique<KVCache>(c));
        forward_cached(w, p, *caches.back(), *prefill, first);
    }
    KVCache alone(c);
    forward_cached(w, prompts[0], alone, *prefill, first);
    arma::fvec solo;
    std::unique_ptr<ForwardBuffers> one = make_forward_buffers(c, 1);
    forward_cached(w, {77}, alone, *one, solo);  // sequence 0's next token, alone: (vocab)

    std::unique_ptr<ForwardBuffers> buffers = make_forward_buffers(c, 4);
    arma::fmat logits;  // (vocab, B)
    const std::vector<KVCache*> four = {caches[0].get(), caches[1].get(), caches[2].get(), caches[3].get()};
    ContiguousCaches batch(c, four);
    decode_step_batched(w, {77, 3, 300, 11}, batch, *buffers, logits);
    INFO("sequence 0 in a batch of 4 against alone; " << kStep);
    CHECK(arma::abs(logits.col(0) - solo).max() <= 1e-5f);
    // Each cache grew by exactly one token, at its own length.
    CHECK(caches[0]->length() == 5);
    CHECK(caches[1]->length() == 3);
    CHECK(caches[2]->length() == 11);
    CHECK(caches[3]->length() == 2);
    // And what each cache stored equals what a solo step stores: the keys of sequence 0.
    for (int l = 0; l < c.n_layer; ++l) CHECK(arma::abs(caches[0]->keys(l).cols(0, 4) - alone.keys(l).cols(0, 4)).max() <= 1e-5f);
}

TEST_CASE("the batched step reuses its buffers: no allocation from one step to the next") {
    const Gpt2Weights& w = tiny_fixture();
    std::vector<std::unique_ptr<KVCache>> caches;
    std::vector<KVCache*> pointers;
    for (int i = 0; i < 3; ++i) {
        caches.push_back(std::make_unique<KVCache>(w.config));
        pointers.push_back(caches.back().get());
    }
    std::unique_ptr<ForwardBuffers> b = make_forward_buffers(w.config, 3);
    arma::fmat logits(w.config.vocab_size, 3);
    ContiguousCaches batch(w.config, pointers);
    decode_step_batched(w, {1, 2, 3}, batch, *b, logits);
    const float* before[] = {b->x.memptr(), b->qkv.memptr(), b->fc.memptr(), b->attn.memptr(), logits.memptr()};
    for (int step = 0; step < 5; ++step) decode_step_batched(w, {4, 5, 6}, batch, *b, logits);
    const float* after[] = {b->x.memptr(), b->qkv.memptr(), b->fc.memptr(), b->attn.memptr(), logits.memptr()};
    for (int i = 0; i < 5; ++i) {
        INFO("buffer " << i << " moved: a decode step allocated memory");
        CHECK(before[i] == after[i]);
    }
}

TEST_CASE("continuous batching refills a slot the step it frees; static batching waits for the batch") {
    // Two slots; requests asking for 2, 6, 3 and 3 tokens (the first token of each comes
    // from its prefill). By hand:
    //   continuous: step 1 finishes request 0, request 2 joins; step 3 finishes request 2,
    //               request 3 joins; step 5 finishes 1 and 3: 5 steps, no idle slot-step.
    //   static:     requests 0, 1 run 5 steps (request 0 idles for 4 of them), then 2, 3 run
    //               2 steps: 7 steps, 4 idle slot-steps.
    //   Either way 2 + 6 + 3 + 3 − 4 first tokens = 10 tokens come from decode steps.
    const Gpt2Weights& w = tiny_fixture();
    std::vector<Request> requests;
    for (int limit : {2, 6, 3, 3}) {
        Request r;
        r.index = static_cast<int>(requests.size());
        r.prompt_ids = {10, 20 + r.index};
        r.max_new_tokens = limit;
        requests.push_back(r);
    }
    const ServeResult continuous = serve(w, requests, options_for(2, Batching::Continuous, 0, 0, 1));
    CHECK(continuous.steps == 5);
    CHECK(continuous.slot_steps == 10);
    CHECK(continuous.idle_slot_steps == 0);
    CHECK(continuous.decode_tokens == 10);
    const ServeResult fixed = serve(w, requests, options_for(2, Batching::Static, 0, 0, 1));
    CHECK(fixed.steps == 7);
    CHECK(fixed.slot_steps == 14);
    CHECK(fixed.idle_slot_steps == 4);
    CHECK(fixed.decode_tokens == 10);
    // The same tokens either way: scheduling changes when, not what.
    for (std::size_t i = 0; i < requests.size(); ++i)
        CHECK(continuous.requests[i].generated_ids == fixed.requests[i].generated_ids);
    // Request 3 waits for a free slot: its first token comes after request 0's last.
    CHECK(continuous.requests[3].time_to_first_token_s >= continuous.requests[0].finish_s);
}

TEST_CASE("the small trained model decodes the same text batched as alone") {
    const std::string path = project_root() + "/data/mini";
    if (!file_exists(path + "/model.safetensors")) {
        MESSAGE("skipped: data/mini/model.safetensors is missing (it is committed; restore it with git)");
        return;
    }
    const Gpt2Weights w = load_gpt2(path);
    const std::vector<Request> requests = gpt2_test::small_model_requests({12, 18, 24});
    // The small model's logits reach ~8 in size (and its hidden values far more). A product over
    // a few columns adds its terms in another order than a gemv does, and float32 rounds each
    // order differently — a few 1e-6 of the values, compounded over 4 layers: 5e-5 absolute.
    // (The tiny fixture above, with values near 1, stays within 1e-5.)
    check_against_solo(w, requests, options_for(3, Batching::Continuous, 0.8, 40, 0.95), 5e-5f);
    check_against_solo(w, requests, options_for(2, Batching::Static, 0, 0, 1), 5e-5f);
}

TEST_CASE("the roofline adds the per-sequence costs to the larger of the weights' two times") {
    // A made-up machine: 10 GB/s, 100 GFLOP/s at every width; no element-wise cost.
    Gpt2Config c;  // GPT-2 small: d 768, 12 layers, vocab 50257
    Roofline r;
    r.machine.sweep_bytes = 10e9;
    r.machine.sweep_s = 1.0;
    r.widths = {1, 64};
    r.gemm_flops_per_s = {100e9, 100e9};
    const double W = decode_weight_bytes(c);                                  // 494.6 MB
    const double flops = 2.0 * (12.0 * 12 * 768 * 768 + 768.0 * 50257);       // per token: 247 MFLOP
    const double cache = 12.0 * 2 * 100 * 768 * 4;                            // 73,728 B/token × 100 tokens
    for (int B : {1, 4, 16, 64}) {
        const BatchedStepTime t = predict_batched_step(c, B, 100, r);
        CHECK(t.weights_memory_s == doctest::Approx(W / 10e9));
        CHECK(t.weights_compute_s == doctest::Approx(B * flops / 100e9));
        CHECK(t.cache_s == doctest::Approx(B * cache / 10e9));
        CHECK(t.total() == doctest::Approx(std::max(W / 10e9, B * flops / 100e9) + B * cache / 10e9));
    }
    // The ridge: B · 247.2 MFLOP / 100 GFLOP/s ≥ 49.46 ms first at B = 21 — of the widths
    // measured (1, 64), at 64.
    CHECK(ridge_batch(c, r) == 64);
    r.widths = {1, 2, 4, 8, 16, 32};
    r.gemm_flops_per_s.assign(6, 100e9);
    CHECK(ridge_batch(c, r) == 32);
}

}  // TEST_SUITE
