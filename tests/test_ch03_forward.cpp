// Checks for chapter 03 (chapters/03_forward_pass/forward.cpp): LayerNorm, GELU, the forward pass, and the
// cached path agreeing with it.
//
// Where the expected values come from:
//  - LayerNorm, GELU and the MLP sub-block: derived by hand / with Python's math module (values
//    in comments);
//  - forward(): a second, deliberately plain implementation in this file (double precision,
//    one token at a time, Armadillo's own mean/var) on a tiny in-memory model; the
//    independent numpy reference on the fixture models is checked in test_ch03_reference.cpp.
#include "common/errors.hpp"
#include "03_forward_pass/forward.hpp"
#include "03_forward_pass/weight_product.hpp"
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

// A std::string: doctest prints a const char* in INFO as an address.
const std::string LAYER_NORM_HINT = "look at layer_norm (chapters/03_forward_pass/README.md, step 3)";

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

// "row 1, column 0: got 0.341192, expected 4.954592" for the first entry of `got` further than
// `tolerance` from `expected` (or the two shapes), so a failure names the number that is wrong.
std::string first_difference(const arma::fmat& got, const arma::fmat& expected, float tolerance) {
    if (got.n_rows != expected.n_rows || got.n_cols != expected.n_cols)
        return "shape (" + std::to_string(got.n_rows) + ", " + std::to_string(got.n_cols) + "), expected (" +
               std::to_string(expected.n_rows) + ", " + std::to_string(expected.n_cols) + ")";
    for (arma::uword j = 0; j < got.n_cols; ++j)
        for (arma::uword i = 0; i < got.n_rows; ++i)
            if (!(std::fabs(got(i, j) - expected(i, j)) <= tolerance))
                return "row " + std::to_string(i) + ", column " + std::to_string(j) + ": got " +
                       std::to_string(got(i, j)) + ", expected " + std::to_string(expected(i, j));
    return "none";
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

TEST_CASE("the MLP sub-block normalises a copy of the stream and adds its output back (hand-worked example)") {
    // n_embd 2, two tokens: x = columns (1, 3) and (0, -2). By hand, with Python's math module:
    //   ln_2 (gain 1, bias 0): each column has variance 1 → (∓1, ±1)/√(1 + 1e-5) = ∓0.999995.
    //   fc: the identity on the first 2 of the 8 hidden units, bias (0, 1, 0, …) →
    //       (−0.999995, 1.999995) and (0.999995, 0.000005); the other 6 units are 0, GELU(0) = 0.
    //   GELU (tanh form): (−0.158808, 1.954592) and (0.841187, 0.000002).
    //   proj: the identity on those 2 units, bias (0.5, 0) → adds (0.341192, 1.954592) and
    //         (1.341187, 0.000002).
    //   residual: x + that = (1.341192, 4.954592) and (1.341187, −1.999998).
    // The classic mistakes give other numbers for column 0 (checked below to name them):
    //   replacing x instead of adding (x = mlp(...))           (0.341192, 1.954592)
    //   no LayerNorm before fc (fc on x itself)                  (2.341192, 6.999930)
    //   LayerNorm after the addition (post-LN, x = ln(x + …))    (−0.999998, 0.999998)
    //   adding to the normalised copy (x = ln_2(x) + …)          (−0.658803, 2.954587)
    //   ln_1's gain and bias instead of ln_2's (3 and 1 here)    (1.454596, 7.999985)
    gpt2::Gpt2Config config;
    config.n_layer = 1;
    config.n_head = 1;
    config.n_embd = 2;
    config.n_positions = 4;
    config.vocab_size = 4;
    gpt2::LayerWeights w;
    w.ln_1_weight = {3.0f, 3.0f};  // the attention's LayerNorm: must not be used here
    w.ln_1_bias = {1.0f, 1.0f};
    w.ln_2_weight = {1.0f, 1.0f};
    w.ln_2_bias = {0.0f, 0.0f};
    w.mlp_fc_weight.zeros(8, 2);  // (4·n_embd, n_embd)
    w.mlp_fc_weight(0, 0) = w.mlp_fc_weight(1, 1) = 1.0f;
    w.mlp_fc_bias.zeros(8);
    w.mlp_fc_bias(1) = 1.0f;
    w.mlp_proj_weight.zeros(2, 8);  // (n_embd, 4·n_embd)
    w.mlp_proj_weight(0, 0) = w.mlp_proj_weight(1, 1) = 1.0f;
    w.mlp_proj_bias = {0.5f, 0.0f};
    std::unique_ptr<gpt2::ForwardBuffers> b = gpt2::make_forward_buffers(config, 2);
    gpt2::use_columns(*b, 2);
    b->x = {{1.0f, 0.0f}, {3.0f, -2.0f}};  // (n_embd, T): one token per column
    gpt2::mlp(w, config, *b);

    const arma::fmat expected = {{1.341192f, 1.341187f}, {4.954592f, -1.999998f}};
    const float tolerance = 1e-5f;
    std::string mistake = "look at each line of mlp against x += proj(gelu(fc(ln_2(x)))); it calls layer_norm "
                          "and gelu_in_place, so if their tests fail too, start with them";
    const struct {
        float row0, row1;
        const char* what;
    } mistakes[] = {
        {0.341192f, 1.954592f, "x was replaced by the MLP's output: add it to x (the residual connection)"},
        {2.341192f, 6.999930f, "fc was applied to x itself: normalise a copy first, h = ln_2(x) (pre-LN)"},
        {-0.999998f, 0.999998f, "the LayerNorm came after the addition (post-LN): normalise the input, not the sum"},
        {-0.658803f, 2.954587f, "the output was added to the normalised copy: add it to x, which ln_2 must not change"},
        {1.454596f, 7.999985f, "ln_1's gain and bias were used: the MLP has its own, ln_2"},
    };
    for (const auto& m : mistakes)
        if (b->x.n_rows == 2 && b->x.n_cols == 2 && std::fabs(b->x(0, 0) - m.row0) < 1e-4f &&
            std::fabs(b->x(1, 0) - m.row1) < 1e-4f)
            mistake = m.what;
    INFO("mlp (chapters/03_forward_pass/README.md, step 4): the residual stream after the MLP differs at "
         << first_difference(b->x, expected, tolerance) << " (hand-worked in this test's comment); " << mistake);
    CHECK(max_abs_diff(b->x, expected) <= tolerance);
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

TEST_CASE("the weight products give BLAS's answer for every column count from 1 to 34") {
    // The reference is Armadillo's plain W * X (BLAS's gemm/gemv). Our loops for 2-32 columns
    // add in a different order, so they agree to float rounding, not bit for bit. The sizes
    // are odd on purpose: 131 rows are two whole blocks of 64 (or eight of 16) and a ragged
    // rest; 1-34 columns cross every switch (1, 4, 8, 32 columns). If this fails, look at
    // weight_product.cpp: which columns of Y it writes and which rows of W it reads.
    arma::arma_rng::set_seed(7);
    const arma::fmat W = arma::randu<arma::fmat>(131, 29) - 0.5f;  // (out, in)
    const arma::fmat Wt = arma::randu<arma::fmat>(29, 41) - 0.5f;  // (in, out), like wte
    // Over 256 KB: big enough that the rows are shared between two threads.
    const arma::fmat W_two_threads = arma::randu<arma::fmat>(200, 1400) - 0.5f;  // (out, in)
    for (arma::uword T = 1; T <= 34; ++T) {
        CAPTURE(T);
        const arma::fmat X = arma::randu<arma::fmat>(29, T) - 0.5f;  // (in, T)
        arma::fmat Y;
        gpt2::weight_product(W, X, Y);
        const arma::fmat expected = W * X;                             // (out, T)
        REQUIRE(Y.n_rows == 131);
        REQUIRE(Y.n_cols == T);
        CHECK(arma::abs(Y - expected).max() < 1e-5f);

        arma::fmat Yt;
        gpt2::transposed_weight_product(Wt, X, Yt);
        const arma::fmat expected_t = Wt.t() * X;                      // (out, T)
        REQUIRE(Yt.n_rows == 41);
        REQUIRE(Yt.n_cols == T);
        CHECK(arma::abs(Yt - expected_t).max() < 1e-5f);

        arma::fmat Yfew;  // the blocked loop on its own, whatever weight_product chose
        gpt2::weight_product_few_columns(W, X, Yfew);
        CHECK(arma::abs(Yfew - expected).max() < 1e-5f);

        const arma::fmat X_long = arma::randu<arma::fmat>(1400, T) - 0.5f;  // (in, T)
        arma::fmat Y_two_threads;
        gpt2::weight_product(W_two_threads, X_long, Y_two_threads);
        CHECK(arma::abs(Y_two_threads - W_two_threads * X_long).max() < 1e-4f);  // sums of 1,400 terms
    }
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
