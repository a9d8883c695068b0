// Checks for chapter 09 (fewer bytes per number): the conversions round exactly as the formats
// say, int8 groups lose at most half a step, and every bf16 kernel computes the same products.
//
// Where expected values come from: bit patterns derived by hand from the IEEE layouts (each
// derivation is in a comment beside it); every one of the 65536 16-bit patterns, converted and
// back; the CPU's own F16C instructions (when it has them) for random float16 conversions;
// double-precision sums for the group kernels; and the scalar reference (one row, one running
// sum, in order) and Armadillo's float32 product for the bf16 matrix kernels.
#include "09_fewer_bytes/bf16_matmul.hpp"
#include "09_fewer_bytes/group_kernels.hpp"
#include "09_fewer_bytes/number_formats.hpp"
#include "user_error_of.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

using namespace gpt2;

namespace {

const std::string kFormats = "see chapters/09_fewer_bytes/README.md, step 1 (the bit layouts)";
const std::string kKernels = "see chapters/09_fewer_bytes/README.md, step 2 (bf16 weights)";

std::uint16_t bf16_of_bits(std::uint32_t bits) { return to_bf16(float_from_bits(bits)); }
std::uint16_t fp16_of_bits(std::uint32_t bits) { return to_fp16(float_from_bits(bits)); }

// Selects a kernel for one test and puts the previous one (and 2 threads) back afterwards.
struct KernelChoice {
    Bf16Kernel saved = bf16_kernel();
    int saved_threads = bf16_threads();
    explicit KernelChoice(Bf16Kernel kernel) { set_bf16_kernel(kernel); }
    ~KernelChoice() {
        set_bf16_kernel(saved);
        set_bf16_threads(saved_threads);
    }
};

// Random float32 values with a spread of magnitudes, as weights and activations have.
arma::fmat random_matrix(int rows, int cols, std::mt19937& rng) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    arma::fmat M(rows, cols);
    M.imbue([&] { return normal(rng); });
    return M;
}

// Σ_i |W(o, i) · X(i, t)| in double: the scale float32 rounding errors are measured against.
double sum_of_abs_products(const arma::fmat& W, const arma::fmat& X, int o, int t) {
    double sum = 0;
    for (arma::uword i = 0; i < W.n_cols; ++i) sum += std::fabs(double(W(o, i)) * double(X(i, t)));
    return sum;
}

// Largest |A - B| relative to 1e-5 · Σ|products| over every element: ≤ 1 passes.
double worst_relative_error(const arma::fmat& A, const arma::fmat& B, const arma::fmat& W, const arma::fmat& X) {
    double worst = 0;
    for (arma::uword t = 0; t < A.n_cols; ++t)
        for (arma::uword o = 0; o < A.n_rows; ++o) {
            const double allowed = 1e-5 * sum_of_abs_products(W, X, int(o), int(t)) + 1e-30;
            worst = std::max(worst, std::fabs(double(A(o, t)) - double(B(o, t))) / allowed);
        }
    return worst;
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("f16c"))) std::uint16_t fp16_by_cpu(float x) {
    return static_cast<std::uint16_t>(_cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT));
}
__attribute__((target("f16c"))) float float_by_cpu(std::uint16_t h) { return _cvtsh_ss(h); }
#endif

}  // namespace

TEST_SUITE("ch09_fewer_bytes") {

// --- step 1: the formats ------------------------------------------------------------------------

TEST_CASE("bfloat16 keeps a float32's top 16 bits, rounded to nearest with ties to even") {
    INFO(kFormats);
    // 1.0f = 0x3F800000: the top half is 0x3F80, the dropped half 0x0000 — exact.
    CHECK(to_bf16(1.0f) == 0x3F80);
    CHECK(from_bf16(0x3F80) == 1.0f);
    // bfloat16 has 7 mantissa bits, so next to 1 its step is 2^-7 and half a step is 2^-8.
    // 1 + 2^-8 = 0x3F808000: dropped half 0x8000 is exactly a tie; the kept 0x3F80 is even → stays.
    CHECK(bf16_of_bits(0x3F808000) == 0x3F80);
    // 1 + 3·2^-8 = 0x3F818000: a tie again, the kept 0x3F81 is odd → up to the even 0x3F82.
    CHECK(bf16_of_bits(0x3F818000) == 0x3F82);
    // One float32 ulp above the first tie (0x3F808001) is nearer to 1 + 2^-7 → 0x3F81;
    // one ulp below it (0x3F807FFF) is nearer to 1 → 0x3F80.
    CHECK(bf16_of_bits(0x3F808001) == 0x3F81);
    CHECK(bf16_of_bits(0x3F807FFF) == 0x3F80);
    // Negative values round their magnitude the same way; only the sign bit (0x8000) differs.
    CHECK(to_bf16(-1.5f) == 0xBFC0);  // -1.5f = 0xBFC00000
    CHECK(bf16_of_bits(0xBF818000) == 0xBF82);
    CHECK(from_bf16(0xC000) == -2.0f);
    // The largest float32, 0x7F7FFFFF, is above the tie between bf16's largest finite 0x7F7F
    // and 0x7F80: the carry runs into the exponent and gives +Inf.
    CHECK(bf16_of_bits(0x7F7FFFFF) == 0x7F80);
    // ±0 and ±Inf are exact.
    CHECK(to_bf16(0.0f) == 0x0000);
    CHECK(to_bf16(-0.0f) == 0x8000);
    CHECK(to_bf16(std::numeric_limits<float>::infinity()) == 0x7F80);
    CHECK(to_bf16(-std::numeric_limits<float>::infinity()) == 0xFF80);
    // The smallest float32 subnormals round to 0; 0x00018000 is a tie above the odd 0x0001 → 0x0002.
    CHECK(bf16_of_bits(0x00000001) == 0x0000);
    CHECK(bf16_of_bits(0x00018000) == 0x0002);
}

TEST_CASE("a NaN stays a quiet NaN in bfloat16, even one whose payload is only in the dropped bits") {
    INFO(kFormats);
    CHECK(to_bf16(std::numeric_limits<float>::quiet_NaN()) == 0x7FC0);
    // 0x7F800001 is a signalling NaN with its one payload bit in the dropped half: truncated it
    // would read 0x7F80 = +Inf. The quiet bit (0x0040) keeps it a NaN.
    CHECK(bf16_of_bits(0x7F800001) == 0x7FC0);
    CHECK(bf16_of_bits(0xFF800001) == 0xFFC0);
    CHECK(std::isnan(from_bf16(bf16_of_bits(0x7F800001))));
}

TEST_CASE("every bfloat16 value survives the trip to float32 and back unchanged (all 65536 patterns)") {
    INFO(kFormats);
    int changed = 0;
    for (std::uint32_t b = 0; b <= 0xFFFF; ++b) {
        const float x = from_bf16(static_cast<std::uint16_t>(b));
        if (std::isnan(x)) {
            changed += !std::isnan(from_bf16(to_bf16(x)));
            continue;
        }
        changed += to_bf16(x) != b;
        changed += float_bits(x) != b << 16;  // the pattern is the float's top half, bottom half zeros
    }
    CHECK(changed == 0);
}

TEST_CASE("float16 rounds to nearest even, overflows to Inf at 65520 and has subnormals down to 2^-24") {
    INFO(kFormats);
    // float16: 1 sign, 5 exponent (bias 15) and 10 mantissa bits.
    CHECK(to_fp16(1.0f) == 0x3C00);    // exponent 15 = 0b01111, mantissa 0
    CHECK(to_fp16(-2.0f) == 0xC000);   // sign, exponent 16
    CHECK(from_fp16(0x3C00) == 1.0f);
    // The largest finite float16: exponent 30, mantissa all ones = (2 - 2^-10) · 2^15 = 65504.
    CHECK(to_fp16(65504.0f) == 0x7BFF);
    CHECK(from_fp16(0x7BFF) == 65504.0f);
    // Its step is 2^5 = 32, so 65520 is the tie between 65504 (odd mantissa) and 65536 (past
    // the largest exponent): ties go to even → +Inf. The float32 just below 65520 stays 65504.
    CHECK(to_fp16(65520.0f) == 0x7C00);
    CHECK(fp16_of_bits(0x477FEFFF) == 0x7BFF);  // 65520 = 0x477FF000, one float32 ulp below
    CHECK(to_fp16(-65520.0f) == 0xFC00);
    CHECK(to_fp16(1e6f) == 0x7C00);
    CHECK(to_fp16(std::numeric_limits<float>::infinity()) == 0x7C00);
    // Near 1 the step is 2^-10: 1 + 2^-11 is a tie → even 0x3C00; 1 + 3·2^-11 → 0x3C02; a float32
    // ulp above the first tie (1 + 2^-11 + 2^-23) → 0x3C01.
    CHECK(to_fp16(1.0f + std::ldexp(1.0f, -11)) == 0x3C00);
    CHECK(to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3C02);
    CHECK(to_fp16(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -23)) == 0x3C01);
    // Subnormals are m · 2^-24, m = 1 … 1023; 2^-14 (0x0400) is the smallest normal.
    CHECK(to_fp16(std::ldexp(1.0f, -24)) == 0x0001);
    CHECK(from_fp16(0x0001) == std::ldexp(1.0f, -24));
    CHECK(to_fp16(std::ldexp(1.0f, -14)) == 0x0400);
    CHECK(to_fp16(std::ldexp(1.0f, -14) - std::ldexp(1.0f, -24)) == 0x03FF);
    CHECK(from_fp16(0x03FF) == std::ldexp(1023.0f, -24));
    // 2^-25 is the tie between 0 and 2^-24 → even 0; 3·2^-25 the tie between 1 and 2 → 2; just
    // above 2^-25 → 1.
    CHECK(to_fp16(std::ldexp(1.0f, -25)) == 0x0000);
    CHECK(to_fp16(3 * std::ldexp(1.0f, -25)) == 0x0002);
    CHECK(to_fp16(std::nextafter(std::ldexp(1.0f, -25), 1.0f)) == 0x0001);
    CHECK(to_fp16(-std::ldexp(1.0f, -24)) == 0x8001);
    CHECK(to_fp16(-0.0f) == 0x8000);
    CHECK(to_fp16(1e-30f) == 0x0000);
    // NaN: exponent all ones, a non-zero mantissa with the quiet bit (0x0200).
    CHECK(to_fp16(std::numeric_limits<float>::quiet_NaN()) == 0x7E00);
    CHECK(std::isnan(from_fp16(fp16_of_bits(0x7F800001))));
}

TEST_CASE("every float16 value survives the trip to float32 and back, and the vectorizable widening agrees") {
    INFO(kFormats);
    int changed = 0, disagreements = 0;
    for (std::uint32_t h = 0; h <= 0xFFFF; ++h) {
        const float x = from_fp16(static_cast<std::uint16_t>(h));
        disagreements += float_bits(from_fp16_vectorizable(static_cast<std::uint16_t>(h))) != float_bits(x);
        changed += std::isnan(x) ? !std::isnan(from_fp16(to_fp16(x))) : to_fp16(x) != h;
    }
    CHECK(changed == 0);
    CHECK(disagreements == 0);
}

#if defined(__x86_64__) || defined(__i386__)
TEST_CASE("float16 conversions give the same bits as the CPU's F16C instructions on a million random floats") {
    if (!__builtin_cpu_supports("f16c")) {
        MESSAGE("this CPU has no F16C: nothing to compare against");
        return;
    }
    INFO(kFormats);
    std::mt19937 rng(9);
    // Random bit patterns with exponents from 2^-30 to 2^20: subnormal results, normal ones, overflow.
    std::uniform_int_distribution<std::uint32_t> mantissa(0, 0x7FFFFF), exponent(127 - 30, 127 + 20), sign(0, 1);
    int differ = 0;
    for (int n = 0; n < 1000000; ++n) {
        const float x = float_from_bits(sign(rng) << 31 | exponent(rng) << 23 | mantissa(rng));
        differ += to_fp16(x) != fp16_by_cpu(x);
    }
    for (std::uint32_t h = 0; h <= 0xFFFF; ++h) {
        const float expected = float_by_cpu(static_cast<std::uint16_t>(h));
        if (!std::isnan(expected)) differ += float_bits(from_fp16(static_cast<std::uint16_t>(h))) != float_bits(expected);
    }
    CHECK(differ == 0);
}
#endif

TEST_CASE("int8 groups: each value within half a step, the largest at ±127 exactly, zeros stay zeros") {
    INFO("see chapters/09_fewer_bytes/README.md, step 3 (int8 with a scale)");
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.0f, 2.0f);
    for (int n : {1, 7, 64, 768}) {
        for (int trial = 0; trial < 20; ++trial) {
            std::vector<float> x(n), back(n);
            std::vector<std::int8_t> q(n);
            for (float& v : x) v = normal(rng);
            if (trial % 2) x[trial % n] = -x[trial % n] - 10;  // the largest magnitude sometimes negative
            const float scale = quantize_int8(x.data(), n, q.data());
            dequantize_int8(q.data(), scale, n, back.data());
            int largest = 0;
            for (int i = 1; i < n; ++i)
                if (std::fabs(x[i]) > std::fabs(x[largest])) largest = i;
            INFO("group of " << n << ", trial " << trial << ", scale " << scale);
            CHECK(scale == std::fabs(x[largest]) / 127);  // scale = max|x| / 127
            CHECK(q[largest] == (x[largest] > 0 ? 127 : -127));
            // |x - q·scale| ≤ scale/2, plus float32's own rounding of x/scale and q·scale
            // (a few ulps of max|x|: 1e-6 · max|x| is ample).
            double worst = 0;
            for (int i = 0; i < n; ++i)
                worst = std::max(worst, std::fabs(double(x[i]) - double(back[i])) - scale / 2.0);
            CHECK(worst <= 1e-6 * std::fabs(x[largest]));
            CHECK(*std::min_element(q.begin(), q.end()) >= -127);  // -128 is never used
        }
    }
    std::vector<float> zeros(64, 0.0f), back(64, 1.0f);
    std::vector<std::int8_t> q(64, 5);
    CHECK(quantize_int8(zeros.data(), 64, q.data()) == 0.0f);
    CHECK(std::all_of(q.begin(), q.end(), [](std::int8_t v) { return v == 0; }));
    dequantize_int8(q.data(), 0.0f, 64, back.data());
    CHECK(std::all_of(back.begin(), back.end(), [](float v) { return v == 0.0f; }));
}

TEST_CASE("the group dot products and axpys equal double-precision sums over the widened values") {
    INFO("see chapters/09_fewer_bytes/README.md, step 4 (attention over a smaller cache)");
    std::mt19937 rng(2);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (int n : {1, 5, 8, 64, 67}) {
        std::vector<float> q(n), v(n);
        for (float& x : q) x = normal(rng);
        for (float& x : v) x = normal(rng);
        std::vector<std::int8_t> k8(n);
        std::vector<std::uint16_t> kb(n), kh(n);
        const float scale = quantize_int8(v.data(), n, k8.data());
        to_bf16(v.data(), n, kb.data());
        to_fp16(v.data(), n, kh.data());
        double d8 = 0, db = 0, dh = 0, magnitude = 0;
        for (int i = 0; i < n; ++i) {
            d8 += double(q[i]) * double(k8[i]) * scale;
            db += double(q[i]) * from_bf16(kb[i]);
            dh += double(q[i]) * from_fp16(kh[i]);
            magnitude += std::fabs(double(q[i]) * v[i]);
        }
        INFO("group of " << n);
        CHECK(std::fabs(dot_int8(q.data(), k8.data(), scale, n) - d8) <= 1e-5 * magnitude + 1e-30);
        CHECK(std::fabs(dot_bf16(q.data(), kb.data(), n) - db) <= 1e-5 * magnitude + 1e-30);
        CHECK(std::fabs(dot_fp16(q.data(), kh.data(), n) - dh) <= 1e-5 * magnitude + 1e-30);
        // out += a·v starting from q: every element within float32 rounding of the double value.
        const float a = 0.375f;
        std::vector<float> o8 = q, ob = q, oh = q;
        axpy_int8(a, k8.data(), scale, o8.data(), n);
        axpy_bf16(a, kb.data(), ob.data(), n);
        axpy_fp16(a, kh.data(), oh.data(), n);
        double worst = 0;
        for (int i = 0; i < n; ++i) {
            const double tolerance = 1e-6 * (std::fabs(q[i]) + std::fabs(a * v[i])) + 1e-30;
            worst = std::max(worst, std::fabs(o8[i] - (q[i] + double(a) * scale * k8[i])) / tolerance);
            worst = std::max(worst, std::fabs(ob[i] - (q[i] + double(a) * from_bf16(kb[i]))) / tolerance);
            worst = std::max(worst, std::fabs(oh[i] - (q[i] + double(a) * from_fp16(kh[i]))) / tolerance);
        }
        CHECK(worst <= 1.0);
    }
}

TEST_CASE("the number formats are chapter 06's DType: four run here, each with its size, and a bad name gets one line listing them") {
    INFO(kFormats);
    CHECK(parse_number_format("bf16", "--weights") == DType::bf16);
    CHECK(parse_number_format("int8", "--kv") == DType::int8);
    for (DType f : {DType::fp32, DType::fp16, DType::bf16, DType::int8})
        CHECK(parse_number_format(dtype_name(f), "x") == f);
    CHECK(bytes_per_value(DType::fp32) == 4);
    CHECK(bytes_per_value(DType::fp16) == 2);
    CHECK(bytes_per_value(DType::bf16) == 2);
    CHECK(bytes_per_value(DType::int8) == 1);
    const std::string message = user_error_of([] { parse_number_format("bfloat", "--weights"); });
    CHECK(message == "--weights: unknown number format 'bfloat'; valid formats: fp32|fp16|bf16|int8");
    CHECK(message.find('\n') == std::string::npos);
    // Chapter 06's DType also has fp8 and int4: named, but nothing here runs them.
    const std::string estimated_only = user_error_of([] { parse_number_format("int4", "--kv"); });
    CHECK(estimated_only.find("chapter 06 estimates") != std::string::npos);
    CHECK(estimated_only.find("fp32|fp16|bf16|int8") != std::string::npos);
}

// --- step 2: bf16 weights -------------------------------------------------------------------------

TEST_CASE("a bf16-representable float32 matrix goes to bf16 and back without changing a bit") {
    INFO(kKernels);
    std::mt19937 rng(3);
    arma::fmat W = random_matrix(37, 29, rng);  // (out, in)
    W.transform([](float v) { return from_bf16(to_bf16(v)); });  // every value now a bf16 value
    const Bf16Matrix B(W);
    const arma::fmat back = B.to_fmat();
    REQUIRE(back.n_rows == W.n_rows);
    REQUIRE(back.n_cols == W.n_cols);
    CHECK(std::memcmp(back.memptr(), W.memptr(), W.n_elem * sizeof(float)) == 0);
    // Filled chunk by chunk, as a loader does, in either order: the same bits.
    Bf16Matrix by_columns(37, 29), by_rows(37, 29);
    const arma::fmat Wt = W.t();  // (in, out): its column-major order is W's row-major order
    for (std::size_t first = 0; first < W.n_elem; first += 100) {
        const std::size_t count = std::min<std::size_t>(100, W.n_elem - first);
        by_columns.set_column_major(first, W.memptr() + first, count);
        by_rows.set_row_major(first, Wt.memptr() + first, count);
    }
    CHECK(std::memcmp(by_columns.data(), B.data(), B.bytes()) == 0);
    CHECK(std::memcmp(by_rows.data(), B.data(), B.bytes()) == 0);
    CHECK(B.bytes() == 37u * 29u * 2u);
    CHECK(B.at(5, 7) == W(5, 7));
}

TEST_CASE("every bf16 kernel this CPU runs equals the scalar reference on awkward shapes") {
    std::mt19937 rng(4);
    for (Bf16Kernel kernel : bf16_kernels_available()) {
        KernelChoice choice(kernel);
        for (int out : {1, 7, 17, 64, 3 * 768})
            for (int in : {1, 3, 31, 768}) {
                const Bf16Matrix B(random_matrix(out, in, rng));
                const arma::fmat W = B.to_fmat();  // (out, in): the weights as the kernels see them
                for (int T : {1, 2, 5, 33}) {
                    const arma::fmat X = random_matrix(in, T, rng);  // (in, T)
                    arma::fmat expected, Y;
                    matmul_bf16_reference(B, X, expected);  // (out, T)
                    matmul_bf16(B, X, Y);                   // (out, T)
                    INFO("kernel " << bf16_kernel_name(kernel) << ", W (" << out << ", " << in << "), T " << T
                                   << "; " << kKernels);
                    REQUIRE(Y.n_rows == unsigned(out));
                    REQUIRE(Y.n_cols == unsigned(T));
                    CHECK(worst_relative_error(Y, expected, W, X) <= 1.0);
                    if (T == 1) {
                        arma::fvec y(out);
                        matvec_bf16(B, X.memptr(), y.memptr());
                        CHECK(worst_relative_error(y, expected, W, X) <= 1.0);
                    }
                }
            }
    }
}

TEST_CASE("the bf16 gemv equals Armadillo's float32 product of the same bf16-rounded weights") {
    INFO(kKernels);
    std::mt19937 rng(5);
    const Bf16Matrix B(random_matrix(3 * 768, 768, rng));  // GPT-2 small's qkv weight's shape
    const arma::fmat W = B.to_fmat();                      // (3·768, 768) float32, bf16 values
    const arma::fmat x = random_matrix(768, 1, rng);       // (768, 1)
    arma::fvec y(W.n_rows);
    matvec_bf16(B, x.memptr(), y.memptr());
    const arma::fmat expected = W * x;  // OpenBLAS's sgemv
    INFO("kernel " << bf16_kernel_name());
    CHECK(worst_relative_error(y, expected, W, x) <= 1.0);
}

TEST_CASE("splitting the rows between two threads gives the same bits as one thread") {
    INFO(kKernels);
    std::mt19937 rng(6);
    const Bf16Matrix B(random_matrix(4 * 768, 768, rng));  // 4.7 MB: large enough to be split
    const arma::fmat X = random_matrix(768, 3, rng);
    KernelChoice choice(bf16_kernel());
    arma::fmat one, two;
    set_bf16_threads(1);
    matmul_bf16(B, X, one);
    set_bf16_threads(2);
    matmul_bf16(B, X, two);
    CHECK(std::memcmp(one.memptr(), two.memptr(), one.n_elem * sizeof(float)) == 0);
}

TEST_CASE("the kernel in use has a name, and only the portable one comes with a note that it is slower") {
    INFO(kKernels);
    KernelChoice choice(Bf16Kernel::portable);
    CHECK(bf16_kernel_name() == "portable");
    CHECK(bf16_kernel_note().find("slower") != std::string::npos);
    CHECK(bf16_kernel_note().find('\n') == std::string::npos);
    const Bf16Kernel best = bf16_kernels_available().back();
    set_bf16_kernel(best);
    CHECK(bf16_kernel_name() == bf16_kernel_name(best));
    if (best != Bf16Kernel::portable) CHECK(bf16_kernel_note().empty());
    MESSAGE("bf16 kernel on this machine: " << bf16_kernel_name(best));
}

}  // TEST_SUITE
