// Checks for chapter 03 (chapters/03_forward_pass/forward.cpp): LayerNorm, GELU, the forward pass, and the
// cached path agreeing with it.
//
// Where the expected values come from:
//  - LayerNorm and GELU: derived by hand / with Python's math module (values in comments);
//  - forward(): a second, deliberately plain implementation in this file (double precision,
//    one token at a time, Armadillo's own mean/var) on a tiny in-memory model; the
//    independent numpy reference on the fixture models is checked in test_ch03_reference.cpp.
#include "common/errors.hpp"
#include "03_forward_pass/forward.hpp"
#include "05_cached_decode/kv_cache.hpp"
#include "tiny_model.hpp"
#include "05_cached_decode/cached_decode.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

using gpt2_test::max_abs_diff;
using gpt2_test::tiny_weights;

namespace {

const char* const LAYER_NORM_HINT = "look at layer_norm (chapters/03_forward_pass/README.md, step 3)";

// The plain second implementation: every token separately, in double, from the formulas.
arma::vec ln_ref(const arma::vec& x, const arma::fvec& w, const arma::fvec& b, double eps) {
    const double mean = arma::mean(x);
    const double var = arma::var(x, 1);  // norm_type 1: divide by n (biased)
    return (x - mean) / std::sqrt(var + eps) % arma::conv_to<arma::vec>::from(w) + arma::conv_to<arma::vec>::from(b);
}

arma::mat reference_logits(const gpt2::Gpt2Weights& W, const std::vector<int>& ids) {
    const gpt2::Gpt2Config& c = W.config;
    const int T = static_cast<int>(ids.size()), n = c.n_embd, hd = c.head_dim();
    const double eps = c.layer_norm_epsilon;
    arma::mat x(n, T);
    for (int t = 0; t < T; ++t) x.col(t) = arma::conv_to<arma::vec>::from(W.wte.col(ids[t]) + W.wpe.col(t));
    for (const gpt2::LayerWeights& L : W.layers) {
        const arma::mat Wqkv = arma::conv_to<arma::mat>::from(L.attn_qkv_weight);
        arma::mat q(n, T), k(n, T), v(n, T), a(n, T);
        for (int t = 0; t < T; ++t) {
            arma::vec qkv = Wqkv * ln_ref(x.col(t), L.ln_1_weight, L.ln_1_bias, eps) +
                            arma::conv_to<arma::vec>::from(L.attn_qkv_bias);
            q.col(t) = qkv.subvec(0, n - 1);
            k.col(t) = qkv.subvec(n, 2 * n - 1);
            v.col(t) = qkv.subvec(2 * n, 3 * n - 1);
        }
        for (int h = 0; h < c.n_head; ++h)
            for (int t = 0; t < T; ++t) {  // query t looks at keys 0..t only
                arma::vec s(t + 1);
                for (int u = 0; u <= t; ++u)
                    s(u) = arma::dot(q.col(t).subvec(h * hd, (h + 1) * hd - 1), k.col(u).subvec(h * hd, (h + 1) * hd - 1)) /
                           std::sqrt(static_cast<double>(hd));
                arma::vec p = arma::exp(s - s.max());
                p /= arma::accu(p);
                arma::vec o(hd, arma::fill::zeros);
                for (int u = 0; u <= t; ++u) o += p(u) * v.col(u).subvec(h * hd, (h + 1) * hd - 1);
                a.col(t).subvec(h * hd, (h + 1) * hd - 1) = o;
            }
        x += arma::conv_to<arma::mat>::from(L.attn_proj_weight) * a +
             arma::repmat(arma::conv_to<arma::vec>::from(L.attn_proj_bias), 1, T);
        for (int t = 0; t < T; ++t) {
            arma::vec f = arma::conv_to<arma::mat>::from(L.mlp_fc_weight) * ln_ref(x.col(t), L.ln_2_weight, L.ln_2_bias, eps) +
                          arma::conv_to<arma::vec>::from(L.mlp_fc_bias);
            f.transform([](double u) { return 0.5 * u * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (u + 0.044715 * u * u * u))); });
            x.col(t) += arma::conv_to<arma::mat>::from(L.mlp_proj_weight) * f + arma::conv_to<arma::vec>::from(L.mlp_proj_bias);
        }
    }
    arma::mat logits(c.vocab_size, T);
    for (int t = 0; t < T; ++t)
        logits.col(t) = arma::conv_to<arma::mat>::from(W.output_embedding()).t() *
                        ln_ref(x.col(t), W.ln_f_weight, W.ln_f_bias, eps);
    return logits;
}

std::vector<int> sample_ids(int T, int vocab, int salt = 0) {
    std::vector<int> ids;
    for (int t = 0; t < T; ++t) ids.push_back((7 * t + 3 + salt) % vocab);
    return ids;
}

}  // namespace

TEST_SUITE("ch03_forward") {

TEST_CASE("layer_norm uses the biased variance and epsilon 1e-5, per column") {
    // Column 0: x = (1, 2, 3, 4): mean 2.5, biased variance 1.25 (the unbiased one would be 5/3).
    // Column 1: x = (0, 0.002, 0, 0.002): mean 0.001, variance 1e-6, so eps = 1e-5 matters:
    //           (±0.001) / sqrt(1e-6 + 1e-5) = ±0.3015113 (eps 1e-6 would give ±0.7071).
    arma::fmat x = {{1.0f, 0.0f}, {2.0f, 0.002f}, {3.0f, 0.0f}, {4.0f, 0.002f}};
    arma::fvec weight(4, arma::fill::ones), bias(4, arma::fill::zeros);
    arma::fmat out;
    gpt2::layer_norm(x, weight, bias, 1e-5f, out);
    INFO(LAYER_NORM_HINT);
    REQUIRE(out.n_rows == 4);
    REQUIRE(out.n_cols == 2);
    const double s = std::sqrt(1.25 + 1e-5);
    CHECK_MESSAGE(out(0, 0) == doctest::Approx(-1.5 / s).epsilon(1e-5), "biased variance: divide by n, not n-1");
    CHECK(out(3, 0) == doctest::Approx(1.5 / s).epsilon(1e-5));
    CHECK_MESSAGE(out(0, 1) == doctest::Approx(-0.3015113).epsilon(1e-4), "epsilon goes inside the sqrt: var + 1e-5");
    CHECK(out(1, 1) == doctest::Approx(0.3015113).epsilon(1e-4));

    // Gain and bias apply per row after normalising: y = x̂ · weight + bias.
    weight = {1.0f, 2.0f, 3.0f, 4.0f};
    bias = {0.5f, 0.0f, -0.5f, 1.0f};
    gpt2::layer_norm(x, weight, bias, 1e-5f, out);
    CHECK(out(2, 0) == doctest::Approx(3.0 * 0.5 / s - 0.5).epsilon(1e-5));
    CHECK(out(3, 0) == doctest::Approx(4.0 * 1.5 / s + 1.0).epsilon(1e-5));

    // A constant column normalises to 0, so the output is the bias (no division by zero).
    arma::fmat flat(4, 1, arma::fill::value(5.0f));
    gpt2::layer_norm(flat, weight, bias, 1e-5f, out);
    CHECK(out.is_finite());
    CHECK(max_abs_diff(out, bias) < 1e-6f);
}

TEST_CASE("gelu uses the tanh approximation, matching hand-computed values") {
    // 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))), evaluated with Python's math.tanh.
    // The exact erf GELU differs by ~1.5e-4 at x = ±1 and ~4e-4 at ±3: these checks catch it.
    arma::fmat x = {{-3.0f, -1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 2.0f, 3.0f}};
    const double expected[] = {-0.0036374, -0.1588080, -0.1542860, 0.0, 0.3457140, 0.8411920, 1.9545977, 2.9963626};
    gpt2::gelu_in_place(x);
    INFO("chapters/03_forward_pass/README.md, step 5");
    for (int i = 0; i < 8; ++i) CHECK(x(0, i) == doctest::Approx(expected[i]).epsilon(2e-6));
}

TEST_CASE("forward matches a plain one-token-at-a-time implementation on a tiny model") {
    const gpt2::Gpt2Weights W = tiny_weights();
    for (int T : {1, 2, 5, 16}) {
        std::vector<int> ids = sample_ids(T, W.config.vocab_size);
        arma::fmat logits = gpt2::forward(W, ids);  // (vocab, T)
        arma::fmat expected = arma::conv_to<arma::fmat>::from(reference_logits(W, ids));
        INFO("T = " << T << "; max |difference| = " << max_abs_diff(logits, expected)
                    << "; compare stage by stage with ./chapter03 --trace");
        REQUIRE(logits.n_rows == static_cast<arma::uword>(W.config.vocab_size));
        REQUIRE(logits.n_cols == static_cast<arma::uword>(T));
        CHECK(max_abs_diff(logits, expected) < 1e-5f);
    }
}

TEST_CASE("forward_last equals the last column of forward") {
    const gpt2::Gpt2Weights W = tiny_weights();
    std::vector<int> ids = sample_ids(9, W.config.vocab_size);
    arma::fmat all = gpt2::forward(W, ids);
    arma::fvec last = gpt2::forward_last(W, ids);
    CHECK(max_abs_diff(last, all.tail_cols(1)) < 1e-6f);
}

TEST_CASE("forward_cached in chunks gives the same logits and keys/values as one forward") {
    const gpt2::Gpt2Weights W = tiny_weights();
    const int n = W.config.n_embd;
    std::vector<int> ids = sample_ids(16, W.config.vocab_size, 1);  // the whole window
    arma::fmat expected = gpt2::forward(W, ids);
    for (gpt2::KVCache::Layout layout : {gpt2::KVCache::Layout::Preallocated, gpt2::KVCache::Layout::Concat}) {
        for (int chunk : {1, 3, 16}) {
            gpt2::KVCache cache(W.config, 0, layout);
            std::unique_ptr<gpt2::ForwardBuffers> buffers = gpt2::make_forward_buffers(W.config, 1);
            arma::fvec logits;
            for (int start = 0; start < 16; start += chunk) {
                const int end = std::min(16, start + chunk);
                std::vector<int> piece(ids.begin() + start, ids.begin() + end);
                gpt2::forward_cached(W, piece, cache, *buffers, logits);
                INFO("chunk " << chunk << ", tokens [" << start << ", " << end << "), layout "
                              << (layout == gpt2::KVCache::Layout::Concat ? "concat" : "preallocated"));
                CHECK(cache.length() == end);
                CHECK(max_abs_diff(logits, expected.col(end - 1)) < 1e-5f);
            }
            // The cache holds what a full pass computes: layer 0's keys are Wk·ln_1(x) + b.
            std::vector<int> all_ids = ids;
            gpt2::TraceFn grab = [&](const std::string& stage, const arma::fmat& value) {
                if (stage == "h1.attn.qkv") {
                    INFO("cache contents after chunk " << chunk);
                    CHECK(max_abs_diff(cache.keys(1).head_cols(16), value.rows(n, 2 * n - 1)) < 1e-5f);
                    CHECK(max_abs_diff(cache.values(1).head_cols(16), value.rows(2 * n, 3 * n - 1)) < 1e-5f);
                }
            };
            gpt2::forward(W, all_ids, &grab);
        }
    }
}

TEST_CASE("reset lets the cache run a second sequence exactly like the first") {
    const gpt2::Gpt2Weights W = tiny_weights();
    gpt2::KVCache cache(W.config);
    std::unique_ptr<gpt2::ForwardBuffers> buffers = gpt2::make_forward_buffers(W.config, 4);
    arma::fvec first, second;
    std::vector<int> ids = sample_ids(4, W.config.vocab_size);
    gpt2::forward_cached(W, ids, cache, *buffers, first);
    gpt2::forward_cached(W, {5}, cache, *buffers, first);
    cache.reset();
    gpt2::forward_cached(W, ids, cache, *buffers, second);
    gpt2::forward_cached(W, {5}, cache, *buffers, second);
    CHECK(arma::approx_equal(first, second, "absdiff", 0.0f));
}

TEST_CASE("bad ids, an empty prompt and a too long sequence are user errors") {
    const gpt2::Gpt2Weights W = tiny_weights();  // vocab 24, window 16
    CHECK_THROWS_AS(gpt2::forward(W, {}), gpt2::UserError);
    CHECK_THROWS_AS(gpt2::forward(W, {1, -1}), gpt2::UserError);
    CHECK_THROWS_AS(gpt2::forward(W, {24}), gpt2::UserError);
    CHECK_THROWS_AS(gpt2::forward_last(W, sample_ids(17, 24)), gpt2::UserError);
    CHECK_THROWS_WITH_AS(gpt2::forward(W, {3, 99}), doctest::Contains("id 99"), gpt2::UserError);

    gpt2::KVCache cache(W.config);
    std::unique_ptr<gpt2::ForwardBuffers> buffers = gpt2::make_forward_buffers(W.config, 16);
    arma::fvec logits;
    gpt2::forward_cached(W, sample_ids(15, 24), cache, *buffers, logits);
    CHECK_THROWS_AS(gpt2::forward_cached(W, {1, 2}, cache, *buffers, logits), gpt2::UserError);  // 17 > 16
    CHECK(cache.length() == 15);  // a refused step changes nothing
    gpt2::forward_cached(W, {1}, cache, *buffers, logits);
    CHECK(cache.length() == 16);
}

TEST_CASE("trace reports every stage with its shape, in order") {
    const gpt2::Gpt2Weights W = tiny_weights();
    std::vector<std::string> stages;
    std::vector<arma::uword> rows;
    gpt2::TraceFn record = [&](const std::string& stage, const arma::fmat& value) {
        stages.push_back(stage);
        rows.push_back(value.n_rows);
        CHECK(value.n_cols == 3);
    };
    gpt2::forward(W, {1, 2, 3}, &record);
    REQUIRE(stages.size() == 1 + 2 * 9 + 2);
    CHECK(stages.front() == "embed");
    CHECK(stages[1] == "h0.ln_1");
    CHECK(rows[2] == 24);  // h0.attn.qkv: 3·n_embd
    CHECK(stages[stages.size() - 2] == "ln_f");
    CHECK(stages.back() == "logits");
    CHECK(rows.back() == 24);  // vocab
}

}  // TEST_SUITE
