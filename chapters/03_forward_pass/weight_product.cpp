#include "03_forward_pass/weight_product.hpp"

#include "common/panels.hpp"  // two cores

#include <algorithm>

namespace gpt2 {

namespace {

constexpr arma::uword kMostFewColumns = 4;
constexpr arma::uword kPanelRows = 256;  // a panel of Y (256 rows × 4 columns = 4 KB) and of W's 8 columns (8 KB) stay in L1

}  // namespace

// [listing:weight_product_few_columns]
void weight_product_few_columns(const arma::fmat& W, const arma::fmat& X, arma::fmat& Y) {
    const arma::uword out = W.n_rows, in = W.n_cols, T = X.n_cols;
    Y.zeros(out, T);  // (out, T)
    const int panels = static_cast<int>((out + kPanelRows - 1) / kPanelRows);
    // Each panel of rows: walk W's columns eight at a time (eight sequential streams from
    // memory) and add their contribution to every one of the T columns of Y while they are in
    // registers: W is read once, whatever T is.
    for_each_panel(panels, [&](int p) {
        const arma::uword r0 = p * kPanelRows, rows = std::min(kPanelRows, out - r0);
        arma::uword j = 0;
        for (; j + 8 <= in; j += 8) {
            // __restrict: Y never overlaps W, so the compiler may vectorize without checking.
            const float* __restrict w0 = W.colptr(j) + r0;
            const float* __restrict w1 = W.colptr(j + 1) + r0;
            const float* __restrict w2 = W.colptr(j + 2) + r0;
            const float* __restrict w3 = W.colptr(j + 3) + r0;
            const float* __restrict w4 = W.colptr(j + 4) + r0;
            const float* __restrict w5 = W.colptr(j + 5) + r0;
            const float* __restrict w6 = W.colptr(j + 6) + r0;
            const float* __restrict w7 = W.colptr(j + 7) + r0;
            for (arma::uword t = 0; t < T; ++t) {
                const float* x = X.colptr(t) + j;
                const float x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4], x5 = x[5], x6 = x[6], x7 = x[7];
                float* __restrict y = Y.colptr(t) + r0;
                for (arma::uword r = 0; r < rows; ++r)  // vectorized: 8 or 16 rows per instruction
                    y[r] += w0[r] * x0 + w1[r] * x1 + w2[r] * x2 + w3[r] * x3 + w4[r] * x4 + w5[r] * x5 + w6[r] * x6 +
                            w7[r] * x7;
            }
        }
        for (; j < in; ++j)  // the last in % 8 columns of W
            for (arma::uword t = 0; t < T; ++t) {
                const float* w0 = W.colptr(j) + r0;
                const float x0 = X(j, t);
                float* y = Y.colptr(t) + r0;
                for (arma::uword r = 0; r < rows; ++r) y[r] += w0[r] * x0;
            }
    }, W.n_elem * sizeof(float) >= (1u << 18));  // under 256 KB: too small to be worth a second thread
}
// [/listing]

namespace {

// a · b over n floats, with sixteen running sums the compiler keeps in vector registers.
inline float dot(const float* __restrict a, const float* __restrict b, arma::uword n) {
    float sum[16] = {};
    arma::uword i = 0;
    for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; ++j) sum[j] += a[i + j] * b[i + j];
    float total = 0;
    for (int j = 0; j < 16; ++j) total += sum[j];
    for (; i < n; ++i) total += a[i] * b[i];
    return total;
}

constexpr arma::uword kMostDotColumns = 4;
constexpr arma::uword kPanelOutputs = 64;  // 64 of W's columns per panel

}  // namespace

void transposed_weight_product(const arma::fmat& W, const arma::fmat& X, arma::fmat& Y) {
    const arma::uword in = W.n_rows, out = W.n_cols, T = X.n_cols;
    if (T < 2 || T > kMostDotColumns) {
        Y = W.t() * X;  // (out, T): gemv with the transposed matrix for one column, gemm for many
        return;
    }
    Y.set_size(out, T);
    const int panels = static_cast<int>((out + kPanelOutputs - 1) / kPanelOutputs);
    for_each_panel(panels, [&](int p) {
        const arma::uword o0 = p * kPanelOutputs, o1 = std::min(out, o0 + kPanelOutputs);
        for (arma::uword o = o0; o < o1; ++o) {
            const float* w = W.colptr(o);  // (in): read from memory once, then from cache
            for (arma::uword t = 0; t < T; ++t) Y(o, t) = dot(w, X.colptr(t), in);
        }
    }, true);
}

void weight_product(const arma::fmat& W, const arma::fmat& X, arma::fmat& Y) {
    if (X.n_cols >= 2 && X.n_cols <= kMostFewColumns)
        weight_product_few_columns(W, X, Y);
    else
        Y = W * X;  // gemv for one column, gemm for many
}

}  // namespace gpt2
