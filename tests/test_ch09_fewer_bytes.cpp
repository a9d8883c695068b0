// Checks for chapter 09's model and cache in fewer bytes: the loader converts without a float32
// copy and without changing a bfloat16 checkpoint's bits; the quantized caches store what the
// formats say and attention over them equals attention over the widened values; the cached
// decoder in every format agrees with its own whole-sequence forward, and in float32 with
// chapter 05 exactly.
//
// Where expected values come from: chapter 03's loader (itself checked against numpy) for the
// conversions; GPT-2 small's shapes by hand for the byte counts (73,728 / 2 = 36,864;
// 18,432 + 2 × 12 × 12 × 4 = 19,584); chapter 02's attention on widened values; chapter 05's
// generate_cached for float32.
#include "02_attention/attention.hpp"
#include "03_forward_pass/forward.hpp"
#include "05_cached_decode/cached_decode.hpp"
#include "09_fewer_bytes/bf16_weights.hpp"
#include "09_fewer_bytes/format_model.hpp"
#include "09_fewer_bytes/quantized_cache.hpp"
#include "common/paths.hpp"
#include "user_error_of.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

using namespace gpt2;

namespace {

const std::string kStep = "see chapters/09_fewer_bytes/README.md, steps 3-5";

std::string fixture(const std::string& name) { return project_root() + "/data/fixtures/" + name; }

GenerationOptions greedy(int n) {
    GenerationOptions options;
    options.max_new_tokens = n;
    options.sampling.temperature = 0;
    options.stop_at_end_of_text = false;
    options.capture_logits = true;
    return options;
}

}  // namespace

TEST_SUITE("ch09_fewer_bytes") {

TEST_CASE("loading in bfloat16 converts chapter 03's float32 weights, and a bfloat16 checkpoint keeps its bits") {
    for (const char* name : {"tiny_gpt2", "tiny_bf16", "tiny_untied"}) {
        const Gpt2Weights f32 = load_gpt2(fixture(name));
        const Bf16Weights b16 = load_bf16(fixture(name));
        INFO("fixture " << name << "; " << kStep);
        REQUIRE(b16.layers.size() == f32.layers.size());
        // Every big matrix: each value is float32's rounded to bfloat16 (to_bf16_weights does
        // the same from memory).
        const Bf16Weights expected = to_bf16_weights(f32);
        CHECK(arma::approx_equal(b16.wte.to_fmat(), expected.wte.to_fmat(), "absdiff", 0.0f));
        CHECK(arma::approx_equal(b16.layers[1].mlp_proj_weight.to_fmat(), expected.layers[1].mlp_proj_weight.to_fmat(),
                                 "absdiff", 0.0f));
        CHECK(b16.lm_head.n_rows() == f32.lm_head.n_cols);  // untied: kept, tied: empty
        // The small ones stay float32, untouched.
        CHECK(arma::approx_equal(b16.layers[0].ln_1_weight, f32.layers[0].ln_1_weight, "absdiff", 0.0f));
        CHECK(arma::approx_equal(b16.wpe, f32.wpe, "absdiff", 0.0f));
        if (std::string(name) == "tiny_bf16") {
            // Stored as BF16: widening to float32 and rounding back changes no bit, so the
            // matrices hold exactly the file's values.
            CHECK(arma::approx_equal(b16.layers[0].attn_qkv_weight.to_fmat(), f32.layers[0].attn_qkv_weight, "absdiff", 0.0f));
            CHECK(arma::approx_equal(b16.wte.to_fmat(), arma::fmat(f32.wte.t()), "absdiff", 0.0f));
        }
    }
}

TEST_CASE("the streaming loader hands over every big matrix, in chunks, with the values load_gpt2 keeps") {
    const Gpt2Weights whole = load_gpt2(fixture("tiny_gpt2"));
    std::vector<arma::fmat> received;  // in order: wte, then each layer's qkv, proj, fc, mlp proj
    const MatrixSink sink = [&](BigMatrix, int, const std::vector<std::uint64_t>& shape) -> MatrixWriter {
        received.emplace_back(shape[1], shape[0]);  // the checkpoint's row-major [r, c] = column-major (c, r)
        arma::fmat* m = &received.back();
        return [m](std::uint64_t first, const float* values, std::uint64_t count) {
            std::copy(values, values + count, m->memptr() + first);
        };
    };
    received.reserve(1 + 4 * whole.layers.size());
    const Gpt2Weights rest = load_gpt2_streaming(fixture("tiny_gpt2"), sink);
    REQUIRE(received.size() == 1 + 4 * whole.layers.size());
    CHECK(rest.wte.n_elem == 0);  // not kept
    CHECK(arma::approx_equal(received[0], whole.wte, "absdiff", 0.0f));
    CHECK(arma::approx_equal(received[1], whole.layers[0].attn_qkv_weight, "absdiff", 0.0f));
    CHECK(arma::approx_equal(received[4], whole.layers[0].mlp_proj_weight, "absdiff", 0.0f));
    CHECK(arma::approx_equal(rest.layers[1].mlp_fc_bias, whole.layers[1].mlp_fc_bias, "absdiff", 0.0f));
}

TEST_CASE("the random model streamed in bfloat16 is random_gpt2's weights rounded (the generator is chunk-proof)") {
    Gpt2Config small;  // a small shape, the same generator
    small.n_layer = 2;
    small.n_head = 2;
    small.n_embd = 64;
    small.n_positions = 32;
    small.vocab_size = 300;
    const Gpt2Weights whole = random_gpt2(small, 9);
    std::vector<arma::fmat> received;
    received.reserve(9);
    const MatrixSink sink = [&](BigMatrix, int, const std::vector<std::uint64_t>& shape) -> MatrixWriter {
        received.emplace_back(shape[1], shape[0]);
        arma::fmat* m = &received.back();
        return [m](std::uint64_t first, const float* values, std::uint64_t count) {
            std::copy(values, values + count, m->memptr() + first);
        };
    };
    random_gpt2(small, 9, &sink);
    REQUIRE(received.size() == 9);
    CHECK(arma::approx_equal(received[0], whole.wte, "absdiff", 0.0f));
    CHECK(arma::approx_equal(received[8], whole.layers[1].mlp_proj_weight, "absdiff", 0.0f));
}

TEST_CASE("a KV cache in fewer bytes takes the bytes per token its format says") {
    const Gpt2Config gpt2_small;  // 12 layers, 12 heads, n_embd 768
    CHECK(QuantizedKVCache::bytes_per_token(gpt2_small, DType::fp32) == 73728);
    CHECK(QuantizedKVCache::bytes_per_token(gpt2_small, DType::fp16) == 36864);
    CHECK(QuantizedKVCache::bytes_per_token(gpt2_small, DType::bf16) == 36864);
    CHECK(QuantizedKVCache::bytes_per_token(gpt2_small, DType::int8) == 19584);  // 18,432 + 1,152 of scales
    const Gpt2Weights w = load_gpt2(fixture("tiny_gpt2"));
    const QuantizedKVCache cache(w.config, DType::int8, 10);
    CHECK(cache.bytes() == 10 * QuantizedKVCache::bytes_per_token(w.config, DType::int8));
}

TEST_CASE("attention over a quantized cache equals attention over the values it holds, widened") {
    const Gpt2Weights w = load_gpt2(fixture("tiny_gpt2"));
    const Gpt2Config& c = w.config;
    arma::arma_rng::set_seed(5);
    const int T = 9;
    const arma::fmat K(c.n_embd, T, arma::fill::randn), V(c.n_embd, T, arma::fill::randn);  // (n_embd, T)
    const arma::fvec q(c.n_embd, arma::fill::randn);
    for (DType f : {DType::fp16, DType::bf16, DType::int8}) {
        QuantizedKVCache cache(c, f, 16);
        cache.append(0, K.cols(0, T - 1), V.cols(0, T - 1));
        // What the cache holds, widened: the reference attention runs chapter 02's code on it.
        arma::fmat K_held(c.n_embd, T), V_held(c.n_embd, T);
        for (int t = 0; t < T; ++t)
            for (int i = 0; i < c.n_embd; ++i) K_held(i, t) = cache.key(0, i, t), V_held(i, t) = cache.value(0, i, t);
        arma::fmat expected, scratch;
        arma::fmat query(c.n_embd, 1);
        query.col(0) = q;
        causal_attention_heads(query, c.n_embd, c.n_head, T - 1, K_held, V_held, scratch, expected);
        std::vector<float> out(c.n_embd), scores(c.n_head * T);
        cache.attend(0, q.memptr(), out.data(), scores.data());
        INFO("format " << dtype_name(f) << "; " << kStep);
        CHECK(arma::abs(arma::fvec(out) - expected.col(0)).max() <= 1e-5f);
        // And what it holds is within the format's step of what was stored.
        const float worst = arma::abs(K_held - K).max();
        CHECK(worst <= (f == DType::int8 ? 0.5f * arma::abs(K).max() / 127 + 1e-6f : 0.01f * arma::abs(K).max()));
    }
}

TEST_CASE("in float32 the format decoder is chapter 05's cached decoding, token for token and logit for logit") {
    const Gpt2Weights w = load_gpt2(fixture("tiny_gpt2"));
    const FormatModel model = format_model_of(w, DType::fp32);
    const std::vector<int> prompt = {3, 14, 15, 92, 65};
    const Generation ours = generate_with_formats(model, DType::fp32, prompt, greedy(30));
    KVCache cache(w.config);
    const Generation chapter05 = generate_cached(w, prompt, greedy(30), cache);
    CHECK(ours.generated_ids == chapter05.generated_ids);
    for (std::size_t i = 0; i < ours.step_logits.size(); ++i)
        CHECK(arma::abs(ours.step_logits[i] - chapter05.step_logits[i]).max() == 0.0f);
}

TEST_CASE("with either weight format, cached decoding agrees with the whole-sequence forward (naive against cached)") {
    // "Naive" here is the whole sequence at once (forward_cached over T tokens: one product per
    // weight, k and v computed together); "cached" feeds the same tokens one by one through a
    // float32 cache. bfloat16 weights are the same numbers on both paths, so the two agree as
    // closely as in float32 (chapter 05's 1e-5).
    const Gpt2Weights w = load_gpt2(fixture("tiny_gpt2"));
    const std::vector<int> tokens = {7, 100, 31, 5, 260, 19, 44, 2, 301, 88, 9, 17};
    for (DType weights : {DType::fp32, DType::bf16}) {
        const FormatModel model = format_model_of(w, weights);
        FormatDecoder whole(model, DType::fp32, static_cast<int>(tokens.size()));
        arma::fvec expected;
        whole.next_logits(tokens, static_cast<int>(tokens.size()), expected);  // all at once
        FormatDecoder stepped(model, DType::fp32, 1);
        std::vector<int> sequence = {tokens[0]};
        arma::fvec logits;
        stepped.next_logits(sequence, 1, logits);
        for (std::size_t t = 1; t < tokens.size(); ++t) {
            sequence.push_back(tokens[t]);
            stepped.next_logits(sequence, 1, logits);
        }
        INFO("weights " << dtype_name(weights) << "; " << kStep);
        CHECK(arma::abs(logits - expected).max() <= 1e-5f);
    }
}

TEST_CASE("a cache in fewer bytes moves the logits by about its rounding, and not the most likely token") {
    // The same tokens decoded step by step with a float32 cache and with each narrower one. The
    // cached keys and values are off by at most their format's half step (float16: 2^-11 of the
    // value, bfloat16: 2^-8, int8: half of max|x|/127 per head), and the tiny model's logits
    // are of order 1: float16 must stay within 5e-3, bfloat16 within 0.05, int8 within 0.1.
    const Gpt2Weights w = load_gpt2(fixture("tiny_gpt2"));
    const FormatModel model = format_model_of(w, DType::fp32);
    const std::vector<int> tokens = {7, 100, 31, 5, 260, 19, 44, 2, 301, 88, 9, 17};
    auto last_logits_with = [&](DType kv) {
        FormatDecoder decoder(model, kv, 1);
        std::vector<int> sequence = {tokens[0]};
        arma::fvec logits;
        decoder.next_logits(sequence, 1, logits);
        for (std::size_t t = 1; t < tokens.size(); ++t) {
            sequence.push_back(tokens[t]);
            decoder.next_logits(sequence, 1, logits);
        }
        return logits;
    };
    const arma::fvec reference = last_logits_with(DType::fp32);
    const std::vector<std::pair<DType, float>> bounds = {
        {DType::fp16, 5e-3f}, {DType::bf16, 0.05f}, {DType::int8, 0.1f}};
    for (const auto& [kv, bound] : bounds) {
        const arma::fvec logits = last_logits_with(kv);
        INFO("cache " << dtype_name(kv) << ": max |logit diff| " << arma::abs(logits - reference).max() << "; "
                      << kStep);
        CHECK(arma::abs(logits - reference).max() <= bound);
        CHECK(arma::index_max(logits) == arma::index_max(reference));
    }
}

TEST_CASE("weights come in fp32 or bf16; any other name is one line listing the valid ones") {
    CHECK(user_error_of([] { parse_number_format("bfloat", "--weights"); }).find("fp32|fp16|bf16|int8") !=
          std::string::npos);
    const Gpt2Weights w = load_gpt2(fixture("tiny_gpt2"));
    CHECK(user_error_of([&] { format_model_of(w, DType::int8); }).find("fp32 or bf16") != std::string::npos);
}

}  // TEST_SUITE
