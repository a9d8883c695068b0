// bf16_matmul.cpp — y = W·x with bfloat16 weights: the scalar reference, the portable, AVX2 and
// AVX-512 kernels, and how rows are shared between two cores. Read it with
// chapters/09_fewer_bytes/README.md, step 2.
#include "09_fewer_bytes/bf16_matmul.hpp"

#include "09_fewer_bytes/group_kernels.hpp"  // dot_bf16: the portable kernel's row
#include "09_fewer_bytes/number_formats.hpp"  // to_bf16, from_bf16
#include "common/errors.hpp"
#include "common/panels.hpp"  // two cores: for_each_panel
#include "common/timing.hpp"  // best_seconds

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#define GPT2_X86 1
#include <immintrin.h>
#endif

namespace gpt2 {

// --- the matrix --------------------------------------------------------------------------------

Bf16Matrix::Bf16Matrix(int out, int in) : rows_(out), cols_(in), data_(static_cast<std::size_t>(out) * in, 0) {
    if (out < 0 || in < 0) throw std::invalid_argument("Bf16Matrix: negative shape");
}

Bf16Matrix::Bf16Matrix(const arma::fmat& W) : Bf16Matrix(static_cast<int>(W.n_rows), static_cast<int>(W.n_cols)) {
    // Column-major in, row-major out: a transpose. Blocks of 32 rows keep both sides in cache:
    // each column's 32 floats are read contiguously, and the 32 rows they go to stay cached
    // while their cache lines fill up, one column at a time.
    constexpr int kBlock = 32;
    for (int o0 = 0; o0 < rows_; o0 += kBlock) {
        const int o1 = std::min(rows_, o0 + kBlock);
        for (int i = 0; i < cols_; ++i) {
            const float* column = W.colptr(i);  // (out)
            for (int o = o0; o < o1; ++o) row(o)[i] = to_bf16(column[o]);
        }
    }
}

float Bf16Matrix::at(int o, int i) const { return from_bf16(row(o)[i]); }

void Bf16Matrix::set(int o, int i, float value) { row(o)[i] = to_bf16(value); }

void Bf16Matrix::set_row(int o, const float* values) {
    if (o < 0 || o >= rows_) throw std::out_of_range("Bf16Matrix::set_row: row out of range");
    to_bf16(values, static_cast<std::size_t>(cols_), row(o));
}

void Bf16Matrix::set_row_major(std::size_t first, const float* values, std::size_t count) {
    if (first > data_.size() || count > data_.size() - first)
        throw std::out_of_range("Bf16Matrix::set_row_major: past the end of the matrix");
    to_bf16(values, count, data_.data() + first);  // row-major is the storage order
}

void Bf16Matrix::set_column_major(std::size_t first, const float* values, std::size_t count) {
    if (first > data_.size() || count > data_.size() - first)
        throw std::out_of_range("Bf16Matrix::set_column_major: past the end of the matrix");
    if (count == 0) return;
    // Flat index k = i·out + o: walk down column i, then on to the next column.
    std::size_t o = first % rows_, i = first / rows_;
    for (std::size_t k = 0; k < count; ++k) {
        data_[o * cols_ + i] = to_bf16(values[k]);
        if (++o == static_cast<std::size_t>(rows_)) o = 0, ++i;
    }
}

arma::fmat Bf16Matrix::to_fmat() const {
    arma::fmat W(rows_, cols_);  // (out, in)
    constexpr int kBlock = 32;   // the constructor's transpose, backwards
    for (int o0 = 0; o0 < rows_; o0 += kBlock) {
        const int o1 = std::min(rows_, o0 + kBlock);
        for (int i = 0; i < cols_; ++i) {
            float* column = W.colptr(i);
            for (int o = o0; o < o1; ++o) column[o] = from_bf16(row(o)[i]);
        }
    }
    return W;
}

// --- the scalar reference ---------------------------------------------------------------------
// [listing:ch09_matvec_reference]
void matvec_bf16_reference(const Bf16Matrix& W, const float* x, float* y) {
    // [exercise:bf16_dot] see chapters/09_fewer_bytes/README.md, step 2
    for (int o = 0; o < W.n_rows(); ++o) {
        const std::uint16_t* w = W.row(o);  // (in): output o's weights, contiguous
        float sum = 0;
        for (int i = 0; i < W.n_cols(); ++i) sum += from_bf16(w[i]) * x[i];  // widen, multiply, add
        y[o] = sum;
    }
    // [/exercise]
}
// [/listing]

void matmul_bf16_reference(const Bf16Matrix& W, const arma::fmat& X, arma::fmat& Y) {
    if (static_cast<int>(X.n_rows) != W.n_cols())
        throw std::invalid_argument("matmul_bf16_reference: X has " + std::to_string(X.n_rows) + " rows, W " +
                                    std::to_string(W.n_cols()) + " columns");
    if (&X == &Y) throw std::invalid_argument("matmul_bf16_reference: Y must not be X");
    Y.set_size(W.n_rows(), X.n_cols);  // (out, T)
    for (arma::uword t = 0; t < X.n_cols; ++t) matvec_bf16_reference(W, X.colptr(t), Y.colptr(t));
}

// --- the kernels ----------------------------------------------------------------------------------
// Each computes y[o] = W.row(o) · x for the rows [begin, end); W is the row-major data (out, in).
namespace {

using RowsKernel = void (*)(const std::uint16_t* W, int in, const float* x, float* y, int begin, int end);

// Portable: one row at a time, through dot_bf16's eight running sums.
void rows_portable(const std::uint16_t* W, int in, const float* x, float* y, int begin, int end) {
    for (int o = begin; o < end; ++o) y[o] = dot_bf16(x, W + static_cast<std::size_t>(o) * in, in);
}

#ifdef GPT2_X86
// The SIMD kernels take R rows at once (4, then 1 for the last few): each load of x feeds R rows,
// and 2·R independent sums keep both FMA units busy while the weights stream in.

// AVX2 + FMA: 8 bf16 (16 bytes) → 8 float32 by zero-extending each to 32 bits and shifting it
// into the top half: exactly from_bf16, eight at a time.
__attribute__((target("avx2,fma"))) inline __m256 widen8_bf16(const std::uint16_t* w) {
    const __m128i bits = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(bits), 16));
}

__attribute__((target("avx2,fma"))) inline float sum8(__m256 v) {
    const __m128 half = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 quarter = _mm_add_ps(half, _mm_movehl_ps(half, half));
    return _mm_cvtss_f32(_mm_add_ss(quarter, _mm_movehdup_ps(quarter)));
}

template <int R>
__attribute__((target("avx2,fma"))) inline void rows_block_avx2(const std::uint16_t* W, int in, const float* x,
                                                                float* y, int o) {
    const std::uint16_t* w[R];
    __m256 a[R], b[R];  // two running sums per row
    for (int r = 0; r < R; ++r) {
        w[r] = W + static_cast<std::size_t>(o + r) * in;
        a[r] = b[r] = _mm256_setzero_ps();
    }
    int i = 0;
    for (; i + 16 <= in; i += 16) {
        const __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
        for (int r = 0; r < R; ++r) {
            a[r] = _mm256_fmadd_ps(widen8_bf16(w[r] + i), x0, a[r]);
            b[r] = _mm256_fmadd_ps(widen8_bf16(w[r] + i + 8), x1, b[r]);
        }
    }
    if (i + 8 <= in) {
        const __m256 x0 = _mm256_loadu_ps(x + i);
        for (int r = 0; r < R; ++r) a[r] = _mm256_fmadd_ps(widen8_bf16(w[r] + i), x0, a[r]);
        i += 8;
    }
    for (int r = 0; r < R; ++r) {
        float sum = sum8(_mm256_add_ps(a[r], b[r]));
        for (int j = i; j < in; ++j) sum += from_bf16(w[r][j]) * x[j];  // the last in % 8
        y[o + r] = sum;
    }
}

__attribute__((target("avx2,fma"))) void rows_avx2(const std::uint16_t* W, int in, const float* x, float* y,
                                                   int begin, int end) {
    int o = begin;
    for (; o + 4 <= end; o += 4) rows_block_avx2<4>(W, in, x, y, o);
    for (; o < end; ++o) rows_block_avx2<1>(W, in, x, y, o);
}

// AVX-512F: the same with 16 bf16 (32 bytes) → 16 float32 per instruction.
// GCC 12's AVX-512 headers start from a deliberately undefined register and -Wall calls it
// "(may be) used uninitialized" (GCC bug 105593, fixed in GCC 13): silenced for these kernels.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
__attribute__((target("avx512f,avx2,fma"))) inline __m512 widen16_bf16(const std::uint16_t* w) {
    const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
}

template <int R>
__attribute__((target("avx512f,avx2,fma"))) inline void rows_block_avx512(const std::uint16_t* W, int in,
                                                                          const float* x, float* y, int o) {
    const std::uint16_t* w[R];
    __m512 a[R], b[R];
    for (int r = 0; r < R; ++r) {
        w[r] = W + static_cast<std::size_t>(o + r) * in;
        a[r] = b[r] = _mm512_setzero_ps();
    }
    int i = 0;
    for (; i + 32 <= in; i += 32) {
        const __m512 x0 = _mm512_loadu_ps(x + i), x1 = _mm512_loadu_ps(x + i + 16);
        for (int r = 0; r < R; ++r) {
            // Ask for the cache line 512 bytes ahead of each row now: the rows are R separate streams,
            // more than the hardware prefetchers follow at full speed on their own.
            _mm_prefetch(reinterpret_cast<const char*>(w[r] + i + 256), _MM_HINT_T0);
            a[r] = _mm512_fmadd_ps(widen16_bf16(w[r] + i), x0, a[r]);
            b[r] = _mm512_fmadd_ps(widen16_bf16(w[r] + i + 16), x1, b[r]);
        }
    }
    if (i + 16 <= in) {
        const __m512 x0 = _mm512_loadu_ps(x + i);
        for (int r = 0; r < R; ++r) a[r] = _mm512_fmadd_ps(widen16_bf16(w[r] + i), x0, a[r]);
        i += 16;
    }
    __m256 c[R];  // the last in % 16: 8 more with AVX2 if there are 8
    for (int r = 0; r < R; ++r) c[r] = _mm256_setzero_ps();
    if (i + 8 <= in) {
        const __m256 x0 = _mm256_loadu_ps(x + i);
        for (int r = 0; r < R; ++r) c[r] = _mm256_fmadd_ps(widen8_bf16(w[r] + i), x0, c[r]);
        i += 8;
    }
    for (int r = 0; r < R; ++r) {
        float sum = _mm512_reduce_add_ps(_mm512_add_ps(a[r], b[r])) + sum8(c[r]);
        for (int j = i; j < in; ++j) sum += from_bf16(w[r][j]) * x[j];  // the last in % 8
        y[o + r] = sum;
    }
}

__attribute__((target("avx512f,avx2,fma"))) void rows_avx512(const std::uint16_t* W, int in, const float* x,
                                                             float* y, int begin, int end) {
    int o = begin;
    for (; o + 8 <= end; o += 8) rows_block_avx512<8>(W, in, x, y, o);
    for (; o < end; ++o) rows_block_avx512<1>(W, in, x, y, o);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif  // GPT2_X86

Bf16Kernel best_supported_kernel() {
    if (bf16_kernel_supported(Bf16Kernel::avx512)) return Bf16Kernel::avx512;
    if (bf16_kernel_supported(Bf16Kernel::avx2)) return Bf16Kernel::avx2;
    return Bf16Kernel::portable;
}

// Chosen on first use (not in a static constructor, which might run before the CPU is probed).
std::atomic<Bf16Kernel>& kernel_in_use() {
    static std::atomic<Bf16Kernel> kernel{best_supported_kernel()};
    return kernel;
}


RowsKernel rows_kernel(Bf16Kernel kernel) {
#ifdef GPT2_X86
    if (kernel == Bf16Kernel::avx512) return rows_avx512;
    if (kernel == Bf16Kernel::avx2) return rows_avx2;
#endif
    (void)kernel;
    return rows_portable;
}

}  // namespace

bool bf16_kernel_supported(Bf16Kernel kernel) {
    if (kernel == Bf16Kernel::portable) return true;
#ifdef GPT2_X86
    __builtin_cpu_init();  // safe to call again; needed if this runs before the CPU is probed
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (kernel == Bf16Kernel::avx2) return avx2;
    if (kernel == Bf16Kernel::avx512) return avx2 && __builtin_cpu_supports("avx512f");
#endif
    return false;
}

std::vector<Bf16Kernel> bf16_kernels_available() {
    std::vector<Bf16Kernel> out;
    for (Bf16Kernel k : {Bf16Kernel::portable, Bf16Kernel::avx2, Bf16Kernel::avx512})
        if (bf16_kernel_supported(k)) out.push_back(k);
    return out;
}

void set_bf16_kernel(Bf16Kernel kernel) {
    if (!bf16_kernel_supported(kernel))
        throw UserError("the " + bf16_kernel_name(kernel) + " bf16 kernel needs instructions this CPU lacks; "
                        "use " + bf16_kernel_name(best_supported_kernel()) + " or portable");
    kernel_in_use() = kernel;
}

Bf16Kernel bf16_kernel() { return kernel_in_use(); }

std::string bf16_kernel_name(Bf16Kernel kernel) {
    switch (kernel) {
        case Bf16Kernel::avx512: return "avx512";
        case Bf16Kernel::avx2: return "avx2";
        case Bf16Kernel::portable: break;
    }
    return "portable";
}

std::string bf16_kernel_name() { return bf16_kernel_name(bf16_kernel()); }

std::string bf16_kernel_note() {
    if (bf16_kernel() != Bf16Kernel::portable) return "";
    return bf16_kernel_supported(Bf16Kernel::avx2)
               ? "note: bf16 weights use the portable C++ kernel (chosen by hand): correct, but slower than the "
                 "AVX2/AVX-512 kernels this CPU supports"
               : "note: bf16 weights use the portable C++ kernel (this CPU has no AVX2+FMA): correct, but slower "
                 "than the SIMD kernels";
}

void set_bf16_threads(int threads) { set_panel_threads(threads); }

int bf16_threads() { return panel_threads(); }

// --- sharing rows between two cores (common/panels.hpp) ----------------------------------------
namespace {

constexpr int kPanelRows = 64;  // 64 rows × in bf16: 96 KB for in = 768, stays in L2

void run_rows(const Bf16Matrix& W, const float* X, float* Y, int columns) {
    const RowsKernel kernel = rows_kernel(bf16_kernel());
    const int out = W.n_rows(), in = W.n_cols();
    const int n_panels = (out + kPanelRows - 1) / kPanelRows;
    for_each_panel(
        n_panels,
        [&](int p) {
            const int begin = p * kPanelRows, end = std::min(out, begin + kPanelRows);
            // Every column against this panel while it is in cache: the weights come from memory once.
            for (int t = 0; t < columns; ++t)
                kernel(W.data(), in, X + static_cast<std::size_t>(t) * in, Y + static_cast<std::size_t>(t) * out, begin,
                       end);
        },
        worth_two_threads(W.bytes()));
}

}  // namespace

// --- the products ---------------------------------------------------------------------------------
void matvec_bf16(const Bf16Matrix& W, const float* x, float* y) { run_rows(W, x, y, 1); }

// With T columns each weight is used T times. For a few columns the product still waits on
// memory: the kernel reads each weight panel from memory once and from cache for the other
// columns. From about 8 columns on the arithmetic dominates, and OpenBLAS's sgemm (blocked for
// registers and caches, near the CPU's peak) beats widening every weight once per column: so a
// panel of rows is widened to float32 once — 1/T of sgemm's work, 1/256 for a 256-token
// prefill — and multiplied there. No float32 copy of the whole matrix ever exists.
constexpr arma::uword kColumnsForBlas = 8;

void matmul_bf16(const Bf16Matrix& W, const arma::fmat& X, arma::fmat& Y) {
    if (static_cast<int>(X.n_rows) != W.n_cols())
        throw std::invalid_argument("matmul_bf16: X has " + std::to_string(X.n_rows) + " rows, W " +
                                    std::to_string(W.n_cols()) + " columns");
    if (&X == &Y) throw std::invalid_argument("matmul_bf16: Y must not be X");
    Y.set_size(W.n_rows(), X.n_cols);  // (out, T)
    if (Y.n_elem == 0) return;
    if (X.n_cols < kColumnsForBlas) {
        run_rows(W, X.memptr(), Y.memptr(), static_cast<int>(X.n_cols));
        return;
    }
    // Panels of about 256K weights (1 MB as float32): big enough for sgemm to run at speed on
    // its 2 threads, small enough to stay in cache between widening and multiplying.
    const int in = W.n_cols(), out = W.n_rows();
    const int panel_rows = std::max(16, (262144 / std::max(1, in)) / 16 * 16);
    arma::fmat panel(in, std::min(out, panel_rows));  // (in, rows): column r = W.row(o0 + r), widened
    for (int o0 = 0; o0 < out; o0 += panel_rows) {
        const int rows = std::min(panel_rows, out - o0);
        for (int r = 0; r < rows; ++r) from_bf16(W.row(o0 + r), static_cast<std::size_t>(in), panel.colptr(r));
        // The panel's first `rows` columns as a matrix of its own, same memory (a subview would be copied).
        const arma::fmat filled(panel.memptr(), in, rows, /*copy_aux_mem=*/false, /*strict=*/true);  // (in, rows)
        // Y rows [o0, o0 + rows) (rows, T) = filledᵀ (rows, in) · X (in, T): sgemm with A transposed.
        Y.rows(o0, o0 + rows - 1) = filled.t() * X;
    }
}

// --- measuring ------------------------------------------------------------------------------------
double measure_bf16_gemv_seconds(const Bf16Matrix& W, int repeats) {
    const arma::fvec x = arma::randu<arma::fvec>(W.n_cols());  // (in)
    arma::fvec y(W.n_rows());                                   // (out)
    return best_seconds(repeats, [&] { matvec_bf16(W, x.memptr(), y.memptr()); });
}

double measure_fp32_gemv_seconds(const arma::fmat& W, int repeats) {
    const arma::fvec x = arma::randu<arma::fvec>(W.n_cols);  // (in)
    arma::fvec y(W.n_rows);                                   // (out)
    return best_seconds(repeats, [&] { y = W * x; });
}

}  // namespace gpt2
