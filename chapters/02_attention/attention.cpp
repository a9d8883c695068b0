#include "02_attention/attention.hpp"

#include "common/errors.hpp"  // ExerciseNotDone, for `make exercise`

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace gpt2 {

// [listing:attention_scores]
arma::fmat attention_scores(const arma::fmat& Q, const arma::fmat& K) {
    // Q (d, T_q), K (d, T_k) → (T_k, T_q). Dividing by √d keeps the scores' spread near 1
    // whatever d is, so the softmax does not saturate (README step 2).
    const float scale = 1.0f / std::sqrt(static_cast<float>(Q.n_rows));
    arma::fmat scores = K.t() * Q;  // (T_k, T_q): one gemm, K is read transposed in place
    scores *= scale;
    return scores;
}
// [/listing]

// [listing:causal_mask]
void apply_causal_mask(arma::fmat& scores, int first_position) {
    // scores (T_k, T_q): query j sits at position first_position + j and may see keys 0 … that.
    const float minus_infinity = -std::numeric_limits<float>::infinity();
    for (arma::uword j = 0; j < scores.n_cols; ++j)
        for (arma::uword i = first_position + j + 1; i < scores.n_rows; ++i) scores(i, j) = minus_infinity;
}
// [/listing]

// [listing:softmax_columns]
void softmax_columns(arma::fmat& scores) {
    for (arma::uword j = 0; j < scores.n_cols; ++j) {
        float* column = scores.colptr(j);
        // exp(s − max) ≤ 1: no overflow however large the scores are; the common factor
        // exp(max) cancels between numerator and denominator (README step 4).
        const float max = *std::max_element(column, column + scores.n_rows);
        float sum = 0.0f;
        for (arma::uword i = 0; i < scores.n_rows; ++i) {
            column[i] = std::exp(column[i] - max);  // exp(−∞) = 0: masked keys get no weight
            sum += column[i];
        }
        for (arma::uword i = 0; i < scores.n_rows; ++i) column[i] /= sum;
    }
}
// [/listing]

// [listing:masked_softmax]
void masked_softmax(arma::fmat& scores, int first_position) {
    // [exercise:masked_softmax] see chapters/02_attention/README.md, step 4
    // scores (T_k, T_q). Query j (position first_position + j) sees keys [0, visible).
    for (arma::uword j = 0; j < scores.n_cols; ++j) {
        float* column = scores.colptr(j);
        const arma::uword visible = std::min<arma::uword>(scores.n_rows, first_position + j + 1);
        float max = column[0];
        for (arma::uword i = 1; i < visible; ++i) max = std::max(max, column[i]);
        float sum = 0.0f;
        for (arma::uword i = 0; i < visible; ++i) {
            column[i] = std::exp(column[i] - max);
            sum += column[i];
        }
        const float inverse = 1.0f / sum;
        for (arma::uword i = 0; i < visible; ++i) column[i] *= inverse;
        for (arma::uword i = visible; i < scores.n_rows; ++i) column[i] = 0.0f;  // the future: no weight
    }
    // [/exercise]
}
// [/listing]

// [listing:attend]
arma::fmat attend(const arma::fmat& Q, const arma::fmat& K, const arma::fmat& V, int first_position,
                  arma::fmat* weights) {
    // [exercise:attend] see chapters/02_attention/README.md, step 5
    arma::fmat scores = attention_scores(Q, K);  // (T_k, T_q)
    masked_softmax(scores, first_position);     // each column now sums to 1
    arma::fmat out = V * scores;                 // (d, T_q) = (d, T_k)·(T_k, T_q)
    if (weights) *weights = scores;
    return out;
    // [/exercise]
}
// [/listing]

// [listing:split_merge_heads]
arma::fcube split_heads(const arma::fmat& x, int n_head) {
    if (n_head <= 0 || x.n_rows % n_head != 0)
        throw std::invalid_argument("split_heads: " + std::to_string(x.n_rows) + " rows do not split into " +
                                    std::to_string(n_head) + " heads");
    const arma::uword head_dim = x.n_rows / n_head;
    arma::fcube heads(head_dim, x.n_cols, n_head);  // (head_dim, T, n_head)
    for (int h = 0; h < n_head; ++h) heads.slice(h) = x.rows(h * head_dim, (h + 1) * head_dim - 1);
    return heads;
}

arma::fmat merge_heads(const arma::fcube& heads) {
    const arma::uword head_dim = heads.n_rows;
    arma::fmat x(head_dim * heads.n_slices, heads.n_cols);  // (n_embd, T)
    for (arma::uword h = 0; h < heads.n_slices; ++h) x.rows(h * head_dim, (h + 1) * head_dim - 1) = heads.slice(h);
    return x;
}
// [/listing]

// [listing:multi_head_attention]
arma::fmat multi_head_attention(const arma::fmat& Q, const arma::fmat& K, const arma::fmat& V, int n_head,
                                int first_position) {
    const arma::fcube q = split_heads(Q, n_head), k = split_heads(K, n_head), v = split_heads(V, n_head);
    arma::fcube out(q.n_rows, q.n_cols, n_head);  // (head_dim, T_q, n_head)
    for (int h = 0; h < n_head; ++h) out.slice(h) = attend(q.slice(h), k.slice(h), v.slice(h), first_position);
    return merge_heads(out);  // (n_embd, T_q)
}
// [/listing]

// [listing:causal_attention_heads]
void causal_attention_heads(const arma::fmat& Q, int n_embd, int n_head, int first_position, const arma::fmat& K,
                            const arma::fmat& V, arma::fmat& scratch, arma::fmat& out) {
    const int T = static_cast<int>(Q.n_cols);
    const int n_keys = first_position + T;
    const int head_dim = n_embd / n_head;
    // BLAS gets raw pointers below, so check the shapes here (a bug, not a user error).
    if (Q.n_rows < static_cast<arma::uword>(n_embd) || K.n_rows != V.n_rows || K.n_rows < static_cast<arma::uword>(n_embd) ||
        K.n_cols < static_cast<arma::uword>(n_keys) || V.n_cols < static_cast<arma::uword>(n_keys) || n_embd % n_head != 0)
        throw std::logic_error("causal_attention_heads: shapes do not fit (Q " + std::to_string(Q.n_rows) + " rows, K " +
                               std::to_string(K.n_rows) + "x" + std::to_string(K.n_cols) + ", " +
                               std::to_string(n_keys) + " keys needed)");
    if (scratch.n_elem < static_cast<arma::uword>(n_keys) * T) scratch.set_size(n_keys, T);  // prefill only
    // (n_keys, T) view of the scratch memory: no allocation, even though n_keys grows each step.
    arma::fmat scores(scratch.memptr(), n_keys, T, false, true);
    out.set_size(n_embd, T);

    const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
    const float one = 1.0f, zero = 0.0f;
    const arma::blas_int d = head_dim, t = T, keys = n_keys, inc = 1;
    const arma::blas_int ldq = Q.n_rows, ldk = K.n_rows, ldv = V.n_rows, ldo = out.n_rows;
    for (int h = 0; h < n_head; ++h) {
        const float* q = Q.memptr() + h * head_dim;  // (head_dim, T), leading dimension ldq
        const float* k = K.memptr() + h * head_dim;  // (head_dim, n_keys), leading dimension ldk
        const float* v = V.memptr() + h * head_dim;
        float* o = out.memptr() + h * head_dim;
        // scores (n_keys, T) = kᵀ·q / √d — one new token: a matrix-vector product.
        if (T == 1)
            arma::blas::gemv("T", &d, &keys, &scale, k, &ldk, q, &inc, &zero, scores.memptr(), &inc);
        else
            arma::blas::gemm("T", "N", &keys, &t, &d, &scale, k, &ldk, q, &ldq, &zero, scores.memptr(), &keys);
        masked_softmax(scores, first_position);
        // out_h (head_dim, T) = v·weights
        if (T == 1)
            arma::blas::gemv("N", &d, &keys, &one, v, &ldv, scores.memptr(), &inc, &zero, o, &inc);
        else
            arma::blas::gemm("N", "N", &d, &t, &keys, &one, v, &ldv, scores.memptr(), &keys, &zero, o, &ldo);
    }
}
// [/listing]

// [listing:ch02_head_habits]
HeadHabits head_habits(const arma::fmat& weights) {  // (T keys, T queries)
    HeadHabits habits;
    const arma::uword T = weights.n_cols;
    if (T < 2) return habits;
    for (arma::uword q = 1; q < T; ++q) {
        habits.previous_token += weights(q - 1, q);  // key q−1: the token just before query q
        habits.first_token += weights(0, q);         // key 0: the first token
    }
    habits.previous_token /= static_cast<float>(T - 1);
    habits.first_token /= static_cast<float>(T - 1);
    return habits;
}
// [/listing]

}  // namespace gpt2
