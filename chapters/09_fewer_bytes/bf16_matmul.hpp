// bf16_matmul.hpp — weights kept as bfloat16, multiplied by float32 activations (README step 2).
//
// A decode step reads every weight once to use it once (chapter 04's cost model): its speed is
// the memory's speed. Keeping the weights in 2 bytes instead of 4 halves what each step reads.
// The arithmetic stays float32: each weight is widened back to float32 with a shift (exact),
// multiplied by the float32 activation, and summed in float32.
//
// Why not AVX-512 BF16's vdpbf16ps (a dot product of bf16 pairs in one instruction)? It takes
// BOTH operands as bfloat16, so the activations x would be rounded to 8 mantissa bits as well —
// a second, different approximation. Widening only the weights keeps "the weights are bf16"
// the one change, and costs nothing here: the loop waits on memory, not on arithmetic.
#pragma once

#include <armadillo>
#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <vector>

namespace gpt2 {

// Storage aligned to a cache line, so every 32- or 64-byte vector load of a row whose length is a
// multiple of 32 values stays inside one cache line.
template <class T>
struct CacheLineAllocator {
    using value_type = T;
    static constexpr std::size_t kAlignment = 64;
    CacheLineAllocator() = default;
    template <class U>
    CacheLineAllocator(const CacheLineAllocator<U>&) {}
    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(kAlignment))); }
    void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t(kAlignment)); }
    template <class U>
    bool operator==(const CacheLineAllocator<U>&) const { return true; }
    template <class U>
    bool operator!=(const CacheLineAllocator<U>&) const { return false; }
};

// --- the matrix ------------------------------------------------------------------------------
// A weight matrix W (out, in) in bfloat16, stored ROW-major: row o (output o's `in` weights) is
// contiguous, so y[o] = W.row(o) · x reads one contiguous run and x is shared by every row.
// (The float32 arma::fmat it replaces is column-major (out, in); the constructor transposes.)
class Bf16Matrix {
public:
    Bf16Matrix() = default;
    // (out, in), all zeros: to be filled chunk by chunk by the set_* functions (a loader converts
    // a checkpoint tensor a buffer at a time, never holding its float32 copy).
    Bf16Matrix(int out, int in);
    // W (out, in) float32, column-major → bf16, each weight rounded to nearest even.
    explicit Bf16Matrix(const arma::fmat& W);

    int n_rows() const { return rows_; }  // out
    int n_cols() const { return cols_; }  // in
    std::uint64_t bytes() const { return static_cast<std::uint64_t>(data_.size()) * sizeof(std::uint16_t); }

    const std::uint16_t* row(int o) const { return data_.data() + static_cast<std::size_t>(o) * cols_; }  // (in)
    std::uint16_t* row(int o) { return data_.data() + static_cast<std::size_t>(o) * cols_; }              // (in)
    const std::uint16_t* data() const { return data_.data(); }  // (out · in), row after row
    std::uint16_t* data() { return data_.data(); }              // bf16 checkpoints copy bits in here

    float at(int o, int i) const;            // W(o, i) as float32 (exact)
    void set(int o, int i, float value);     // W(o, i) = bf16(value)
    void set_row(int o, const float* values);  // row o = bf16(values[0 … in))
    // `count` float32 values that continue the matrix at flat index `first`:
    //   row-major     index = o·in + i   (GPT-2's wte: one token's embedding after another)
    //   column-major  index = i·out + o  (arma::fmat's order, and GPT-2's Conv1D bytes)
    void set_row_major(std::size_t first, const float* values, std::size_t count);
    void set_column_major(std::size_t first, const float* values, std::size_t count);

    arma::fmat to_fmat() const;  // (out, in) float32, column-major: every value exactly as stored

private:
    int rows_ = 0, cols_ = 0;
    std::vector<std::uint16_t, CacheLineAllocator<std::uint16_t>> data_;  // (out, in) row-major
};

// --- the products -----------------------------------------------------------------------------
// y (out) = W (out, in) · x (in): one token's column, the decode step's product (y must not
// overlap x). Safe to call from several threads at once; only one at a time gets the helper thread.
void matvec_bf16(const Bf16Matrix& W, const float* x, float* y);
// Y (out, T) = W (out, in) · X (in, T), one token per column (a prefill, or a batch of sequences).
void matmul_bf16(const Bf16Matrix& W, const arma::fmat& X, arma::fmat& Y);

// The scalar references the lesson shows first: one row at a time, one running sum, in order.
void matvec_bf16_reference(const Bf16Matrix& W, const float* x, float* y);
void matmul_bf16_reference(const Bf16Matrix& W, const arma::fmat& X, arma::fmat& Y);

// --- which kernel runs ---------------------------------------------------------------------------
// portable: plain C++ (8 running sums per row, vectorized as far as the compiler's flags allow);
// avx2:     AVX2 + FMA, 8 floats per instruction;  avx512: AVX-512F, 16 floats per instruction.
// The SIMD kernels are compiled for their instruction sets whatever the build's -march, and the
// best one this CPU supports is chosen when the program starts.
enum class Bf16Kernel { portable, avx2, avx512 };

bool bf16_kernel_supported(Bf16Kernel kernel);  // by this CPU (portable: always)
std::vector<Bf16Kernel> bf16_kernels_available();
// Selects the kernel for every later product; tests use it to run each in turn (or to force the
// portable one). An unsupported kernel is a UserError.
void set_bf16_kernel(Bf16Kernel kernel);
Bf16Kernel bf16_kernel();                        // the one in use
std::string bf16_kernel_name(Bf16Kernel kernel);  // "portable", "avx2", "avx512"
std::string bf16_kernel_name();                   // the one in use
// One line when the portable kernel is in use (no AVX2+FMA on this CPU, or forced): it is
// correct but slower. "" otherwise.
std::string bf16_kernel_note();

// Threads for one product of at most a few columns: 2 (default, or 1 on a 1-core machine) splits
// the rows between the calling thread and one helper thread, so two cores stream weights. Products
// of many columns go to OpenBLAS instead, which runs its own threads: the two never run at once.
void set_bf16_threads(int threads);  // 1 or 2
int bf16_threads();

// --- measuring --------------------------------------------------------------------------------
// Best of `repeats` timings (after a warm-up) of one y = W·x, x random: for a chapter's --bench.
double measure_bf16_gemv_seconds(const Bf16Matrix& W, int repeats);
// The same product with the float32 matrix (out, in) through Armadillo (OpenBLAS's sgemv).
double measure_fp32_gemv_seconds(const arma::fmat& W, int repeats);

}  // namespace gpt2
