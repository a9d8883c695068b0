#include "03_forward_pass/weight_product.hpp"

#include "common/panels.hpp"  // two cores

#include <algorithm>
#include <cstring>
#include <vector>

namespace gpt2 {

namespace {

// A vector of float32 lanes in GCC/Clang's vector extension: the compiler maps it onto the
// target's registers (one AVX-512 register, or one AVX2 register, or two NEON registers).
// With AVX-512 there are 32 registers of 16 floats; otherwise plan for 16 registers of 8.
#if defined(__AVX512F__)
constexpr int kLanes = 16, kRowVectors = 4;  // a block of 64 rows
#else
constexpr int kLanes = 8, kRowVectors = 2;   // a block of 16 rows
#endif
typedef float FloatVector __attribute__((vector_size(kLanes * sizeof(float))));
constexpr arma::uword kBlockRows = kLanes * kRowVectors;
constexpr int kMostGroupColumns = 4;        // columns of X per pass over a block of W
constexpr arma::uword kMostFewColumns = 32;  // beyond this, BLAS's gemm is faster here
constexpr arma::uword kPrefetchAhead = 8;    // columns of W ahead of the one being multiplied

inline FloatVector load(const float* p) {  // unaligned: memcpy compiles to one load
    FloatVector v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline void store(float* p, FloatVector v) { std::memcpy(p, &v, sizeof v); }

// Y's block (kBlockRows, G) = W's block (kBlockRows, in) · X's columns (in, G): every
// accumulator stays in a register for the whole sum over `in`, each weight vector loaded
// once is used for all G columns. `w` walks W's columns (leading dimension ldw). When
// `pack` is given, the block is also copied there contiguously (ldw = kBlockRows) for the
// next passes, and the column kPrefetchAhead ahead is asked for early: W's columns are
// ldw floats apart, too far for the CPU to guess where the next read goes.
template <int G>
void multiply_block(const float* w, arma::uword ldw, arma::uword in, const float* x, arma::uword ldx, float* y,
                    arma::uword ldy, float* pack, bool from_memory) {
    FloatVector sum[G][kRowVectors] = {};  // (kBlockRows, G), in registers
    for (arma::uword j = 0; j < in; ++j) {
        const float* wj = w + j * ldw;  // W (block rows, column j)
        if (from_memory)
            for (int v = 0; v < kRowVectors; ++v) __builtin_prefetch(wj + kPrefetchAhead * ldw + v * kLanes);
        FloatVector a[kRowVectors];
        for (int v = 0; v < kRowVectors; ++v) a[v] = load(wj + v * kLanes);
        if (pack)
            for (int v = 0; v < kRowVectors; ++v) store(pack + j * kBlockRows + v * kLanes, a[v]);
        for (int g = 0; g < G; ++g) {
            const float xg = x[g * ldx + j];  // X(j, g), the same in every lane
            for (int v = 0; v < kRowVectors; ++v) sum[g][v] += a[v] * xg;
        }
    }
    for (int g = 0; g < G; ++g)
        for (int v = 0; v < kRowVectors; ++v) store(y + g * ldy + v * kLanes, sum[g][v]);
}

void multiply_block_columns(int G, const float* w, arma::uword ldw, arma::uword in, const float* x, arma::uword ldx,
                            float* y, arma::uword ldy, float* pack, bool from_memory) {
    switch (G) {  // G is a template argument so that the accumulators can live in registers
        case 1: multiply_block<1>(w, ldw, in, x, ldx, y, ldy, pack, from_memory); break;
        case 2: multiply_block<2>(w, ldw, in, x, ldx, y, ldy, pack, from_memory); break;
        case 3: multiply_block<3>(w, ldw, in, x, ldx, y, ldy, pack, from_memory); break;
        default: multiply_block<kMostGroupColumns>(w, ldw, in, x, ldx, y, ldy, pack, from_memory); break;
    }
}

}  // namespace

// [listing:weight_product_few_columns]
void weight_product_few_columns(const arma::fmat& W, const arma::fmat& X, arma::fmat& Y) {
    const arma::uword out = W.n_rows, in = W.n_cols, T = X.n_cols;
    Y.set_size(out, T);  // (out, T)
    const int blocks = static_cast<int>(out / kBlockRows);
    // Each block of kBlockRows rows of W: the first pass reads it from memory for the first
    // four columns of X and keeps a contiguous copy in cache; the next passes (columns 5-8,
    // 9-12, ...) read the copy. W comes from memory once, whatever T is, and the arithmetic
    // runs from registers — what BLAS's gemm does too, but gemm copies all of W before it
    // multiplies, a cost it earns back only over many columns.
    for_each_panel(blocks, [&](int b) {
        thread_local std::vector<float> block_copy;  // (kBlockRows, in): sized once per thread
        const bool more_passes = T > static_cast<arma::uword>(kMostGroupColumns);
        if (more_passes && block_copy.size() < in * kBlockRows) block_copy.resize(in * kBlockRows);
        const arma::uword r0 = b * kBlockRows;
        for (arma::uword t = 0; t < T; t += kMostGroupColumns) {
            const int G = static_cast<int>(std::min<arma::uword>(kMostGroupColumns, T - t));
            if (t == 0)
                multiply_block_columns(G, W.memptr() + r0, out, in, X.colptr(0), X.n_rows, Y.colptr(0) + r0, out,
                                       more_passes ? block_copy.data() : nullptr, /*from_memory=*/true);
            else
                multiply_block_columns(G, block_copy.data(), kBlockRows, in, X.colptr(t), X.n_rows, Y.colptr(t) + r0,
                                       out, nullptr, /*from_memory=*/false);
        }
    }, worth_two_threads(W.n_elem * sizeof(float)));
    // The last out % kBlockRows rows (none in GPT-2, whose sizes are multiples of 64): plainly.
    for (arma::uword r = blocks * kBlockRows; r < out; ++r)
        for (arma::uword t = 0; t < T; ++t) {
            float sum = 0;
            for (arma::uword j = 0; j < in; ++j) sum += W(r, j) * X(j, t);
            Y(r, t) = sum;
        }
}
// [/listing]

namespace {

// Y(o, t0 .. t0+G) = w · X(:, t0 .. t0+G) for one column w of W (`in` floats): the weights
// are loaded once for all G columns, each sum a vector of partial sums added up at the end.
template <int G>
void dot_columns(const float* w, arma::uword in, const arma::fmat& X, arma::uword t0, arma::fmat& Y, arma::uword o) {
    FloatVector sum[G] = {};
    const float* x[G];
    for (int g = 0; g < G; ++g) x[g] = X.colptr(t0 + g);
    arma::uword i = 0;
    for (; i + kLanes <= in; i += kLanes) {
        const FloatVector a = load(w + i);
        for (int g = 0; g < G; ++g) sum[g] += a * load(x[g] + i);
    }
    for (int g = 0; g < G; ++g) {
        float total = 0;
        for (int lane = 0; lane < kLanes; ++lane) total += sum[g][lane];
        for (arma::uword k = i; k < in; ++k) total += w[k] * x[g][k];
        Y(o, t0 + g) = total;
    }
}

constexpr arma::uword kMostDotColumns = 8;
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
            const float* w = W.colptr(o);  // (in): read from memory once, used for all T columns
            switch (T) {  // a template argument, so that the sums live in registers
                case 2: dot_columns<2>(w, in, X, 0, Y, o); break;
                case 3: dot_columns<3>(w, in, X, 0, Y, o); break;
                case 4: dot_columns<4>(w, in, X, 0, Y, o); break;
                case 5: dot_columns<5>(w, in, X, 0, Y, o); break;
                case 6: dot_columns<6>(w, in, X, 0, Y, o); break;
                case 7: dot_columns<7>(w, in, X, 0, Y, o); break;
                default: dot_columns<8>(w, in, X, 0, Y, o); break;
            }
        }
    }, true);
}

void weight_product(const arma::fmat& W, const arma::fmat& X, arma::fmat& Y) {
    if (X.n_cols >= 2 && X.n_cols <= kMostFewColumns)
        weight_product_few_columns(W, X, Y);
    else
        Y = W * X;  // gemv for one column (it streams W at full speed), gemm for many
}

}  // namespace gpt2
