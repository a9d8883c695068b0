// Checks for chapter 05 (cached decoding): the KV cache changes the speed and nothing else.
//
// The first checks are the equivalence tests (as LLMs-from-scratch's kv-cache tests.py):
// cached and naive decoding emit the same tokens and nearly the same logits, on tiny models,
// up to the full context window. Then what the cache holds, and the reference continuations
// from the independent numpy implementation (tests/reference/, see its README).
//
// Where expected values come from: naive decoding (chapter 04, itself checked against the
// numpy reference), a layer-0 key/value computed by hand from the weights in this file, the
// numpy reference continuations, and published or hand-derived figures (72 MiB for GPT-2 small's 1024-token fp32
// cache, as ggml's gpt-2 example prints; ~44 GFLOP for a 256-token prefill).
#include "04_naive_decode/cost_model.hpp"
#include "04_naive_decode/generate.hpp"
#include "common/errors.hpp"
#include "03_forward_pass/forward.hpp"
#include "05_cached_decode/kv_cache.hpp"
#include "common/files.hpp"
#include "common/paths.hpp"
#include "decode_references.hpp"
#include "tiny_model.hpp"
#include "05_cached_decode/cached_decode.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <string>
#include <vector>

using namespace gpt2;

namespace {

const std::string kStep = "see chapters/05_cached_decode/README.md, step 3 (the cached step)";

// The tiny fixture model (data/fixtures/tiny_gpt2: 2 layers, 4 heads, n_embd 32, a 64-token
// window, 384 tokens), read by the real loader — so "up to the full context window" is cheap.
const Gpt2Weights& fixture() {
    static const Gpt2Weights weights = load_gpt2(project_root() + "/data/fixtures/tiny_gpt2");
    return weights;
}

// A random GPT-2 with a window of n_positions (for the capacity checks).
Gpt2Weights tiny_random_model(int n_positions) {
    Gpt2Config config;
    config.n_layer = 2;
    config.n_head = 2;
    config.n_embd = 16;
    config.n_positions = n_positions;
    config.vocab_size = 64;
    return random_gpt2(config, 7);
}

GenerationOptions options_for(int max_new, double temperature, int top_k, double top_p, std::uint64_t seed) {
    GenerationOptions options;
    options.max_new_tokens = max_new;
    options.sampling.temperature = temperature;
    options.sampling.top_k = top_k;
    options.sampling.top_p = top_p;
    options.sampling.seed = seed;
    options.stop_at_end_of_text = false;
    options.capture_logits = true;
    return options;
}

// Same tokens, and per-step logits within `tolerance`; says which step went wrong.
void check_same_generation(const Generation& naive, const Generation& cached, float tolerance) {
    REQUIRE(naive.new_tokens() == cached.new_tokens());
    for (int i = 0; i < naive.new_tokens(); ++i) {
        const float diff = arma::abs(naive.step_logits[i] - cached.step_logits[i]).max();
        INFO("step " << i + 1 << " (sequence length " << naive.step_context[i] << "): max |logit diff| = " << diff
                     << "; " << kStep);
        CHECK(diff <= tolerance);
        REQUIRE(naive.generated_ids[i] == cached.generated_ids[i]);
    }
}

// The first layer's K and V for `ids`, computed here from the weights: x = wte + wpe,
// ln_1, then the k and v rows of c_attn. (n_embd, T) each.
void layer0_keys_values(const Gpt2Weights& w, const std::vector<int>& ids, arma::fmat& k, arma::fmat& v) {
    const int d = w.config.n_embd, T = static_cast<int>(ids.size());
    arma::fmat x(d, T), h(d, T);
    for (int t = 0; t < T; ++t) x.col(t) = w.wte.col(ids[t]) + w.wpe.col(t);
    layer_norm(x, w.layers[0].ln_1_weight, w.layers[0].ln_1_bias, w.config.layer_norm_epsilon, h);
    const arma::fmat& qkv_w = w.layers[0].attn_qkv_weight;  // (3d, d), rows [q | k | v]
    const arma::fvec& qkv_b = w.layers[0].attn_qkv_bias;
    k = qkv_w.rows(d, 2 * d - 1) * h;
    k.each_col() += qkv_b.subvec(d, 2 * d - 1);
    v = qkv_w.rows(2 * d, 3 * d - 1) * h;
    v.each_col() += qkv_b.subvec(2 * d, 3 * d - 1);
}

}  // namespace

TEST_SUITE("ch05_cached_decode") {

TEST_CASE("cached decoding emits the same tokens as naive decoding, greedy, up to the full window") {
    INFO(kStep);
    const Gpt2Weights& w = fixture();
    const std::vector<int> prompt{3, 14, 15, 92, 65};
    const GenerationOptions options = options_for(1000, 0.0, 0, 1.0, 1);
    const Generation naive = generate_naive(w, prompt, options);
    KVCache cache(w.config);
    const Generation cached = generate_cached(w, prompt, options, cache);
    CHECK(naive.stop == StopReason::ContextWindow);
    CHECK(cached.stop == StopReason::ContextWindow);
    // Every position gives one token, the window's last included: the text ends with
    // n_positions + 1 tokens, and the cache holds n_positions (the last is never fed back).
    CHECK(cached.new_tokens() == w.config.n_positions + 1 - static_cast<int>(prompt.size()));
    CHECK(cache.length() == w.config.n_positions);
    check_same_generation(naive, cached, 1e-5f);
}

TEST_CASE("cached decoding emits the same tokens as naive decoding with seeded top-k / top-p sampling") {
    INFO(kStep);
    const Gpt2Weights& w = fixture();
    const std::vector<int> prompt{1, 2, 3};
    for (std::uint64_t seed : {1u, 2u, 3u}) {
        const GenerationOptions options = options_for(1000, 1.0, 20, 0.9, seed);
        const Generation naive = generate_naive(w, prompt, options);
        KVCache cache(w.config);
        const Generation cached = generate_cached(w, prompt, options, cache);
        INFO("seed " << seed);
        CHECK(cached.stop == StopReason::ContextWindow);
        check_same_generation(naive, cached, 1e-5f);
    }
}

TEST_CASE("the concatenating cache gives the same tokens as the preallocated one") {
    INFO(kStep);
    const Gpt2Weights& w = fixture();
    const GenerationOptions options = options_for(20, 0.8, 10, 0.95, 5);
    KVCache preallocated(w.config), concat(w.config, 0, KVCache::Layout::Concat);
    const Generation a = generate_cached(w, {5, 6, 7}, options, preallocated);
    const Generation b = generate_cached(w, {5, 6, 7}, options, concat);
    check_same_generation(a, b, 0.0f);
    CHECK(concat.length() == preallocated.length());
    CHECK(concat.bytes() == concat.bytes_in_use());  // it holds exactly what it stores
    CHECK(preallocated.bytes() > preallocated.bytes_in_use());
}

TEST_CASE("after prefill the cache holds exactly the keys and values of a full forward") {
    INFO(kStep);
    const Gpt2Weights& w = fixture();
    const std::vector<int> prompt{7, 3, 300, 12, 0, 41};
    const int T = static_cast<int>(prompt.size()), d = w.config.n_embd;
    KVCache cache(w.config);
    std::unique_ptr<ForwardBuffers> buffers = make_forward_buffers(w.config, T);
    arma::fvec logits;
    forward_cached(w, prompt, cache, *buffers, logits);
    CHECK(cache.length() == T);
    arma::fmat k, v;
    layer0_keys_values(w, prompt, k, v);
    const float k_diff = arma::abs(cache.keys(0).cols(0, T - 1) - k).max();
    const float v_diff = arma::abs(cache.values(0).cols(0, T - 1) - v).max();
    INFO("layer 0: max |K diff| " << k_diff << ", max |V diff| " << v_diff);
    CHECK(k_diff < 1e-5f);
    CHECK(v_diff < 1e-5f);
    // Every layer: the K and V rows of the full forward's q|k|v (chapter 03's trace).
    std::vector<arma::fmat> qkv(w.config.n_layer);
    const TraceFn capture = [&](const std::string& stage, const arma::fmat& value) {
        for (int l = 0; l < w.config.n_layer; ++l)
            if (stage == "h" + std::to_string(l) + ".attn.qkv") qkv[l] = value;  // (3d, T)
    };
    const arma::fmat full = forward(w, prompt, &capture);  // (vocab, T)
    for (int l = 0; l < w.config.n_layer; ++l) {
        INFO("layer " << l);
        REQUIRE(qkv[l].n_cols == static_cast<arma::uword>(T));
        CHECK(arma::abs(cache.keys(l).cols(0, T - 1) - qkv[l].rows(d, 2 * d - 1)).max() < 1e-5f);
        CHECK(arma::abs(cache.values(l).cols(0, T - 1) - qkv[l].rows(2 * d, 3 * d - 1)).max() < 1e-5f);
    }
    // Columns past the length stay untouched (zero): nothing was written beyond the prompt.
    CHECK(arma::abs(cache.keys(1).cols(T, w.config.n_positions - 1)).max() == 0.0f);
    // And the logits are the full forward's last column.
    CHECK(arma::abs(full.col(T - 1) - logits).max() < 1e-5f);
}

TEST_CASE("prefill in one chunk equals prefill token by token") {
    INFO(kStep);
    const Gpt2Weights& w = fixture();
    const std::vector<int> prompt{9, 8, 7, 6, 5, 4, 3, 2};
    const int T = static_cast<int>(prompt.size());
    KVCache chunk(w.config), one_by_one(w.config);
    std::unique_ptr<ForwardBuffers> buffers = make_forward_buffers(w.config, T);
    arma::fvec logits_chunk, logits_step;
    forward_cached(w, prompt, chunk, *buffers, logits_chunk);
    for (int id : prompt) forward_cached(w, {id}, one_by_one, *buffers, logits_step);
    REQUIRE(one_by_one.length() == T);
    for (int l = 0; l < chunk.n_layer(); ++l) {
        INFO("layer " << l);
        CHECK(arma::abs(chunk.keys(l).cols(0, T - 1) - one_by_one.keys(l).cols(0, T - 1)).max() < 1e-5f);
        CHECK(arma::abs(chunk.values(l).cols(0, T - 1) - one_by_one.values(l).cols(0, T - 1)).max() < 1e-5f);
    }
    CHECK(arma::abs(logits_chunk - logits_step).max() < 1e-5f);
}

TEST_CASE("reset() makes a second generation identical to the first") {
    INFO(kStep);
    const Gpt2Weights& w = fixture();
    const GenerationOptions options = options_for(25, 0.9, 0, 0.9, 11);
    KVCache cache(w.config);
    const Generation first = generate_cached(w, {1, 2, 3}, options, cache);
    // Without reset the cache still holds the first sequence: refused, not silently mixed.
    CHECK_THROWS(generate_cached(w, {1, 2, 3}, options, cache));
    cache.reset();
    CHECK(cache.length() == 0);
    const Generation second = generate_cached(w, {1, 2, 3}, options, cache);
    check_same_generation(first, second, 0.0f);
}

TEST_CASE("cached decoding reproduces the reference greedy continuations, logits included") {
    INFO("reference: tests/reference/<fixture>.json, field greedy (numpy, independent); " << kStep);
    const std::vector<decode_references::GreedyReference> refs = decode_references::greedy_references();
    REQUIRE_MESSAGE(!refs.empty(), "no greedy references in tests/reference/ (make fixtures writes them)");
    for (const decode_references::GreedyReference& ref : refs) {
        const Gpt2Weights weights = load_gpt2(ref.model_path);
        const GenerationOptions options = options_for(1000, 0.0, 0, 1.0, 1);
        KVCache cache(weights.config);
        const Generation run = generate_cached(weights, ref.prompt, options, cache);
        decode_references::check_greedy_run(ref, run);
    }
}

TEST_CASE("the cache refuses to grow past its capacity or the model's window") {
    INFO(kStep);
    const Gpt2Weights w = tiny_random_model(8);
    CHECK_THROWS_AS(KVCache(w.config, 9), UserError);
    KVCache cache(w.config, 4);
    const arma::fmat four(w.config.n_embd, 4, arma::fill::ones), one(w.config.n_embd, 1, arma::fill::ones);
    for (int l = 0; l < cache.n_layer(); ++l) cache.append(l, four.cols(0, 3), four.cols(0, 3));
    CHECK(cache.length() == 4);
    CHECK_THROWS_WITH_AS(cache.append(0, one.cols(0, 0), one.cols(0, 0)), doctest::Contains("context window"),
                         UserError);
    CHECK(cache.length(0) == 4);  // a refused append stores nothing
    // generate_cached holds the run to the smaller cache: it stops there and says so.
    cache.reset();
    const Generation run = generate_cached(w, {1, 2}, options_for(10, 0, 0, 1, 1), cache);
    CHECK(run.new_tokens() == 3);  // from positions 1, 2 and 3: the cache's 4 slots, all used
    CHECK(cache.length() == 4);
    CHECK(run.stop == StopReason::ContextWindow);
}

TEST_CASE("GPT-2 small's full cache is 72 MiB, as ggml's gpt-2 example prints") {
    KVCache cache(gpt2_small_config());
    CHECK(cache.bytes() == 75497472ULL);  // 2 × 12 layers × 768 × 1024 tokens × 4 bytes
    CHECK(cache.bytes_in_use() == 0);
}

TEST_CASE("the cost model counts GPT-2 small's bytes and FLOPs as a hand derivation does") {
    const Gpt2Config c = gpt2_small_config();
    // By hand: a decode step reads every weight but wpe (only one position's row):
    // (124,439,808 − 1024·768) parameters × 4 bytes = 494,613,504 bytes ≈ 494.6 MB.
    CHECK(decode_weight_bytes(c) / 1e6 == doctest::Approx(494.6).epsilon(0.002));
    // By hand: a 256-token prefill's weight products are 24·n_layer·d²·L = 24·12·768²·256
    // = 43.5 GFLOP (2 FLOPs per weight per token, Kaplan et al. 2020), +2.4 of attention.
    CHECK(naive_step_cost(c, 256).matmul_flops / 1e9 == doctest::Approx(44).epsilon(0.02));
    // Naive work grows with L, cached work barely (only the attention term).
    CHECK(naive_step_cost(c, 512).flops() > 2 * naive_step_cost(c, 256).flops());
    CHECK(cached_step_cost(c, 512).flops() < 1.01 * cached_step_cost(c, 256).flops() + 1e8);
}

TEST_CASE("the cost model reads a rate at the width it was measured at, and interpolates only between widths") {
    // Hand-made rates with a dip at L = 17, as a real sgemm shows at awkward widths: the
    // model must use the dip itself there, not smooth it away.
    MachineRates rates;
    rates.gemm_tokens = {16, 17, 64};
    rates.gemm_flops_per_s = {100e9, 50e9, 200e9};
    rates.attention_flops_per_s = {20e9, 10e9, 40e9};
    CHECK(rates.gemm_rate(17) == 50e9);
    CHECK(rates.attention_rate(64) == 40e9);
    CHECK(rates.gemm_rate(4) == 100e9);     // below the first width: the first width's rate
    CHECK(rates.gemm_rate(1000) == 200e9);  // above the last: the last's
    // Between 17 and 64: linear in log L (hand derivation: t = ln(32/17) / ln(64/17)).
    const double t = std::log(32.0 / 17.0) / std::log(64.0 / 17.0);
    CHECK(rates.gemm_rate(32) == doctest::Approx(50e9 + t * 150e9).epsilon(1e-12));
}

TEST_CASE("the machine's rates are measured at every width asked for, each a real positive rate") {
    const Gpt2Weights w = gpt2_test::tiny_weights(2, 2, 8, 16, 24);
    const MachineRates rates = measure_machine(w, {5, 3, 4, 4}, 2);
    INFO("chapters/04_naive_decode/cost_model.cpp measure_machine: one gemm and one attention rate per distinct width, ascending");
    REQUIRE(rates.gemm_tokens == std::vector<int>{3, 4, 5});
    REQUIRE(rates.gemm_flops_per_s.size() == 3);
    REQUIRE(rates.attention_flops_per_s.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(std::isfinite(rates.gemm_flops_per_s[i]));
        CHECK(rates.gemm_flops_per_s[i] > 0);
        CHECK(std::isfinite(rates.attention_flops_per_s[i]));
        CHECK(rates.attention_flops_per_s[i] > 0);
    }
    CHECK(rates.sweep_s > 0);
    CHECK(rates.gelu_s > 0);
    CHECK(rates.softmax_s > 0);
    CHECK(rates.layer_norm_s > 0);
    CHECK(predict_naive_step_s(w.config, 4, rates) > 0);
}

TEST_CASE("on the small trained model, naive and cached greedy decoding both give numpy's continuation") {
    INFO(kStep);
    if (!file_exists(mini_model_dir() + "/model.safetensors")) {
        MESSAGE("skipped: data/mini/model.safetensors is missing (train it: /usr/bin/python3 data/mini/train.py)");
        return;
    }
    // tests/reference/mini.json: tests/tools/reference_gpt2.py's float64 greedy continuation
    // (it recomputes everything each step), with its smallest top-2 margin.
    const std::string path = project_root() + "/tests/reference/mini.json";
    const nlohmann::json ref = nlohmann::json::parse(read_file_bytes(path, 64u << 20, "run make fixtures"));
    const Gpt2Weights w = load_gpt2("mini");
    const std::vector<int> prompt = ref["greedy"]["prompt_ids"].get<std::vector<int>>();
    const std::vector<int> expected = ref["greedy"]["new_ids"].get<std::vector<int>>();
    GenerationOptions options = options_for(static_cast<int>(expected.size()), 0.0, 0, 1.0, 1);
    options.stop_at_end_of_text = false;
    const Generation naive = generate_naive(w, prompt, options);
    KVCache cache(w.config);
    const Generation cached = generate_cached(w, prompt, options, cache);
    CHECK(naive.generated_ids == expected);
    CHECK(cached.generated_ids == expected);
    check_same_generation(naive, cached, 1e-4f);
}

}  // TEST_SUITE
