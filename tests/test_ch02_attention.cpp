// Checks for chapter 02 (chapters/02_attention/attention.cpp): the parts of scaled dot-product attention,
// the causal mask, the numerically stable softmax, head split/merge, and the property the KV
// cache relies on. Expected values are derived by hand in the comments (no second program).
#include "02_attention/attention.hpp"
#include "tiny_model.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

using gpt2_test::max_abs_diff;

namespace {

// A std::string: doctest prints a const char* in INFO as an address.
const std::string SOFTMAX_HINT = "look at masked_softmax (chapters/02_attention/README.md, step 4)";

// A hand-made example, d = 2, two tokens:
//   k0 = (1, 0), k1 = (0, 1);  v0 = (1, 2), v1 = (3, 4);  q0 = (1, 0), q1 = (√2·ln 3, 0).
// Query 0 sees only key 0 → output v0 = (1, 2).
// Query 1: scores k0·q1/√2 = ln 3 and k1·q1/√2 = 0 → softmax (3/4, 1/4) → ¾·v0 + ¼·v1 = (1.5, 2.5).
struct HandExample {
    arma::fmat Q, K, V;
    HandExample() : Q(2, 2), K(2, 2), V(2, 2) {
        K = {{1, 0}, {0, 1}};
        V = {{1, 3}, {2, 4}};
        Q = {{1, static_cast<float>(std::sqrt(2.0) * std::log(3.0))}, {0, 0}};
    }
};

}  // namespace

TEST_SUITE("ch02_attention") {

TEST_CASE("the scores are K transposed times Q, divided by the square root of the head dimension") {
    HandExample ex;
    arma::fmat scores = gpt2::attention_scores(ex.Q, ex.K);  // (T_k, T_q)
    INFO("chapters/02_attention/README.md, step 2: scores(i, j) = k_i · q_j / sqrt(d)");
    REQUIRE(scores.n_rows == 2);
    REQUIRE(scores.n_cols == 2);
    CHECK(scores(0, 0) == doctest::Approx(1.0 / std::sqrt(2.0)).epsilon(1e-6));
    CHECK(scores(1, 0) == doctest::Approx(0.0));
    CHECK(scores(0, 1) == doctest::Approx(std::log(3.0)).epsilon(1e-6));
    CHECK(scores(1, 1) == doctest::Approx(0.0));
}

TEST_CASE("the causal mask hides exactly the keys in each query's future") {
    arma::fmat scores(5, 3, arma::fill::ones);  // 5 keys, 3 queries at positions 2, 3, 4
    gpt2::apply_causal_mask(scores, 2);
    for (arma::uword j = 0; j < 3; ++j)
        for (arma::uword i = 0; i < 5; ++i) {
            INFO("key " << i << ", query at position " << 2 + j << " (README step 3)");
            if (i <= 2 + j)
                CHECK(scores(i, j) == 1.0f);
            else
                CHECK(std::isinf(scores(i, j)));
        }
}

TEST_CASE("masked softmax gives columns that sum to one, with zero weight on the future") {
    arma::fmat scores = {{0.5f, -1.0f, 2.0f}, {1.5f, 0.0f, 1.0f}, {-2.0f, 3.0f, 0.0f}, {0.0f, 1.0f, 4.0f}};
    arma::fmat fused = scores, separate = scores;
    gpt2::masked_softmax(fused, 1);  // queries at positions 1, 2, 3 over 4 keys
    gpt2::apply_causal_mask(separate, 1);
    gpt2::softmax_columns(separate);
    INFO(SOFTMAX_HINT);
    CHECK_MESSAGE(max_abs_diff(fused, separate) < 1e-6f, "masked_softmax differs from mask-then-softmax by "
                                                               << max_abs_diff(fused, separate));
    for (arma::uword j = 0; j < fused.n_cols; ++j) {
        CHECK(arma::accu(fused.col(j)) == doctest::Approx(1.0).epsilon(1e-6));
        for (arma::uword i = j + 2; i < fused.n_rows; ++i) CHECK(fused(i, j) == 0.0f);
    }
    // Query at position 1 sees keys 0 and 1 only: softmax(0.5, 1.5) = (1, e)/(1 + e).
    const double e = std::exp(1.0);
    CHECK(fused(0, 0) == doctest::Approx(1.0 / (1.0 + e)).epsilon(1e-6));
    CHECK(fused(1, 0) == doctest::Approx(e / (1.0 + e)).epsilon(1e-6));
}

TEST_CASE("softmax stays finite and exact for huge scores (it subtracts the column's maximum)") {
    // exp(1000) overflows float (max ~3.4e38); softmax(1000 + ln 3, 1000) must still be (3/4, 1/4).
    const float big = 1000.0f;
    arma::fmat scores = arma::fvec{big + static_cast<float>(std::log(3.0)), big};  // (2 keys, 1 query)
    gpt2::masked_softmax(scores, 1);
    INFO(SOFTMAX_HINT << "; subtract the column's max before exp");
    REQUIRE(scores.is_finite());
    CHECK(scores(0, 0) == doctest::Approx(0.75).epsilon(1e-4));
    CHECK(scores(1, 0) == doctest::Approx(0.25).epsilon(1e-4));

    arma::fmat huge = arma::fvec{1e30f, 1e30f, -1e30f};
    gpt2::masked_softmax(huge, 2);
    REQUIRE(huge.is_finite());
    CHECK(huge(0, 0) == doctest::Approx(0.5));
    CHECK(huge(1, 0) == doctest::Approx(0.5));
    CHECK(huge(2, 0) == 0.0f);

    arma::fmat separate = arma::fvec{-1e30f, -1e30f + 1e24f};  // very negative too: no 0/0
    gpt2::softmax_columns(separate);
    REQUIRE(separate.is_finite());
    CHECK(separate(1, 0) == doctest::Approx(1.0));
}

TEST_CASE("the hand-made example: the second token's output is three quarters v0 plus one quarter v1") {
    HandExample ex;
    arma::fmat weights;
    arma::fmat out = gpt2::attend(ex.Q, ex.K, ex.V, 0, &weights);  // (2, 2)
    // The classic mistakes, worked out from the same numbers, give for the second query:
    //   scores as QᵀK (one row per query) under the column softmax: weights (½, ½), output (2, 3);
    //   no division by √d: softmax(√2·ln 3, 0) = (0.8255, 0.1745), output (1.349, 2.349);
    //   P·V instead of V·P: output (6, 1).
    std::string hint = "out = V·P, P = the masked softmax of the scores KᵀQ/√d, (T_k, T_q) (steps 2-4)";
    if (out.n_rows == 2 && out.n_cols == 2) {
        const auto second_is = [&](double a, double b) {
            return std::fabs(out(0, 1) - a) < 1e-3 && std::fabs(out(1, 1) - b) < 1e-3;
        };
        if (second_is(2.0, 3.0)) hint = "the scores look transposed: this code keeps KᵀQ, (T_k, T_q), not Q.t() * K";
        if (second_is(1.349, 2.349)) hint = "the scores are not divided by √d (attention_scores does it, step 2)";
        if (second_is(6.0, 1.0)) hint = "the output is P·V: it is V·P, (d, T_k)·(T_k, T_q)";
    }
    INFO("attend (chapters/02_attention/README.md, step 5), derivation at the top of "
         "tests/test_ch02_attention.cpp: " << hint);
    REQUIRE_MESSAGE((out.n_rows == 2 && out.n_cols == 2), "the output must be (d, T_q) = (2, 2), got ("
                                                              << out.n_rows << ", " << out.n_cols << ")");
    REQUIRE_MESSAGE((weights.n_rows == 2 && weights.n_cols == 2),
                    "the weights asked for must be (T_k, T_q) = (2, 2), got (" << weights.n_rows << ", "
                                                                             << weights.n_cols << ")");
    CHECK(weights(0, 0) == doctest::Approx(1.0));
    CHECK(weights(1, 0) == 0.0f);
    CHECK(weights(0, 1) == doctest::Approx(0.75).epsilon(1e-5));
    CHECK(weights(1, 1) == doctest::Approx(0.25).epsilon(1e-5));
    CHECK(out(0, 0) == doctest::Approx(1.0));
    CHECK(out(1, 0) == doctest::Approx(2.0));
    CHECK(out(0, 1) == doctest::Approx(1.5).epsilon(1e-5));
    CHECK(out(1, 1) == doctest::Approx(2.5).epsilon(1e-5));
}

TEST_CASE("splitting into heads and merging back gives the same matrix") {
    arma::arma_rng::set_seed(11);
    arma::fmat x = arma::randn<arma::fmat>(12, 5);  // n_embd 12, T 5
    arma::fcube heads = gpt2::split_heads(x, 3);     // (4, 5, 3)
    REQUIRE(heads.n_rows == 4);
    REQUIRE(heads.n_cols == 5);
    REQUIRE(heads.n_slices == 3);
    INFO("README step 6: head h owns rows [h*head_dim, (h+1)*head_dim)");
    CHECK(heads(0, 2, 1) == x(4, 2));  // head 1 starts at row 4
    CHECK(heads(3, 4, 2) == x(11, 4));
    arma::fmat back = gpt2::merge_heads(heads);
    CHECK(arma::approx_equal(back, x, "absdiff", 0.0f));
    CHECK_THROWS(gpt2::split_heads(x, 5));  // 12 rows do not split into 5 heads
}

TEST_CASE("appending a token leaves every earlier row of the causal attention output unchanged") {
    arma::arma_rng::set_seed(3);
    const int n_embd = 8, n_head = 2, T = 6;
    arma::fmat Q = arma::randn<arma::fmat>(n_embd, T + 1), K = arma::randn<arma::fmat>(n_embd, T + 1),
               V = arma::randn<arma::fmat>(n_embd, T + 1);
    arma::fmat before = gpt2::multi_head_attention(Q.head_cols(T), K.head_cols(T), V.head_cols(T), n_head, 0);
    arma::fmat after = gpt2::multi_head_attention(Q, K, V, n_head, 0);  // one more token
    INFO("README step 7: with the causal mask, token T's key/value are in every earlier query's future");
    CHECK_MESSAGE(max_abs_diff(after.head_cols(T), before) < 1e-6f,
                  "earlier rows changed by " << max_abs_diff(after.head_cols(T), before));

    // The new row needs only the new query against all keys and values (first_position = T).
    arma::fmat new_row = gpt2::multi_head_attention(Q.tail_cols(1), K, V, n_head, T);
    CHECK_MESSAGE(max_abs_diff(new_row, after.tail_cols(1)) < 1e-6f,
                  "new row from the new query alone differs by " << max_abs_diff(new_row, after.tail_cols(1)));
}

TEST_CASE("the model's strided attention equals split, attend, merge, with and without earlier tokens") {
    arma::arma_rng::set_seed(5);
    const int n_embd = 12, n_head = 3, total = 7;
    arma::fmat qkv = arma::randn<arma::fmat>(3 * n_embd, total);  // rows = [q | k | v], as the model has
    arma::fmat K = qkv.rows(n_embd, 2 * n_embd - 1), V = qkv.rows(2 * n_embd, 3 * n_embd - 1);
    arma::fmat Q = qkv.rows(0, n_embd - 1);
    arma::fmat expected = gpt2::multi_head_attention(Q, K, V, n_head, 0);
    arma::fmat scratch(1, 1), out;
    INFO("causal_attention_heads (chapters/02_attention/attention.cpp) vs multi_head_attention");

    // A prompt: all 7 tokens at once (matrix-matrix).
    gpt2::causal_attention_heads(qkv, n_embd, n_head, 0, K, V, scratch, out);
    CHECK(max_abs_diff(out, expected) < 1e-5f);

    // Cache-like: 4 tokens already there, then 2 new ones, then 1 (matrix-vector).
    // K, V hold extra unused columns on purpose: only [0, first_position + T) may be read.
    arma::fmat K_big(n_embd, 16, arma::fill::value(1e9f)), V_big(n_embd, 16, arma::fill::value(1e9f));
    K_big.head_cols(total) = K;
    V_big.head_cols(total) = V;
    arma::fmat two = qkv.cols(4, 5), one = qkv.col(6);
    gpt2::causal_attention_heads(two, n_embd, n_head, 4, K_big, V_big, scratch, out);
    CHECK(max_abs_diff(out, expected.cols(4, 5)) < 1e-5f);
    gpt2::causal_attention_heads(one, n_embd, n_head, 6, K_big, V_big, scratch, out);
    CHECK(max_abs_diff(out, expected.col(6)) < 1e-5f);
}

TEST_CASE("head_habits averages the weight on the previous and on the first token over queries 1..T-1") {
    // By hand, 3 tokens; columns are queries, rows keys (each column sums to 1, causal):
    //   query 1 gives 0.25 to key 0 and 0.75 to key 1; query 2 gives 0.5, 0.1, 0.4.
    //   previous token: (w(0,1) + w(1,2)) / 2 = (0.25 + 0.1) / 2 = 0.175
    //   first token:    (w(0,1) + w(0,2)) / 2 = (0.25 + 0.5) / 2 = 0.375
    const arma::fmat w = {{1, 0.25f, 0.5f}, {0, 0.75f, 0.1f}, {0, 0, 0.4f}};
    const gpt2::HeadHabits h = gpt2::head_habits(w);
    INFO("see chapters/02_attention/README.md, step 9: which key is 'the previous token' of query q?");
    CHECK(h.previous_token == doctest::Approx(0.175));
    CHECK(h.first_token == doctest::Approx(0.375));
    CHECK(gpt2::head_habits(arma::fmat(1, 1, arma::fill::ones)).previous_token == 0.0f);  // one token: nothing before it
}

}  // TEST_SUITE
