// number_formats.cpp — float16 by hand from its bit layout, int8 groups, and the format names.
// Read it with chapters/09_fewer_bytes/README.md, step 1.
#include "09_fewer_bytes/number_formats.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <cmath>

namespace gpt2 {

namespace {

const DType kRunnable[] = {DType::fp32, DType::fp16, DType::bf16, DType::int8};

}  // namespace

std::string number_format_names() {
    std::string out;
    for (DType format : kRunnable) out += (out.empty() ? "" : "|") + dtype_name(format);
    return out;
}

DType parse_number_format(const std::string& text, const std::string& where) {
    for (DType format : kRunnable)
        if (text == dtype_name(format)) return format;
    if (text == dtype_name(DType::fp8) || text == dtype_name(DType::int4))
        throw UserError(where + ": " + text + " is a format chapter 06 estimates, but nothing here runs it; valid formats: " +
                        number_format_names());
    throw UserError(where + ": unknown number format '" + text.substr(0, 40) + "'; valid formats: " +
                    number_format_names());
}

int bytes_per_value(DType format) { return dtype_bits(format) / 8; }

// --- float16 ----------------------------------------------------------------------------------
// [listing:ch09_fp16]
std::uint16_t to_fp16(float x) {
    const std::uint32_t u = float_bits(x);
    const std::uint16_t sign = static_cast<std::uint16_t>((u >> 16) & 0x8000u);
    const std::uint32_t a = u & 0x7FFFFFFFu;  // |x|
    if (a > 0x7F800000u)                      // NaN: keep the top payload bits, set the quiet bit
        return static_cast<std::uint16_t>(sign | 0x7E00u | ((a >> 13) & 0x03FFu));
    if (a >= 0x477FF000u) return sign | 0x7C00u;  // |x| ≥ 65520 (65504 + half its ulp): ±Inf
    if (a >= 0x38800000u) {                       // |x| ≥ 2^-14: a normal float16
        // Rebias the exponent (127 → 15) in place, then drop 13 mantissa bits rounding to nearest
        // even, as to_bf16 does with 16; a carry out of the mantissa bumps the exponent correctly.
        const std::uint32_t rebiased = a - ((127u - 15u) << 23);
        const std::uint32_t lowest_kept = (rebiased >> 13) & 1u;
        return static_cast<std::uint16_t>(sign | ((rebiased + 0x0FFFu + lowest_kept) >> 13));
    }
    // A subnormal float16 is m · 2^-24, m in 0…1023. |x| = (2^23 + mantissa) · 2^(e-150) for a
    // float32 exponent field e, so m = (2^23 + mantissa) · 2^(e-126): a right shift by 126 - e.
    const int shift = 126 - static_cast<int>(a >> 23);
    if (shift > 24) return sign;  // |x| < 2^-25 (float32 subnormals included): rounds to ±0
    const std::uint32_t mantissa = (a & 0x007FFFFFu) | 0x00800000u;
    std::uint32_t m = mantissa >> shift;
    const std::uint32_t dropped = mantissa & ((1u << shift) - 1u), half = 1u << (shift - 1);
    if (dropped > half || (dropped == half && (m & 1u))) ++m;  // nearest, ties to even
    return static_cast<std::uint16_t>(sign | m);  // m = 1024 is 2^-14, the smallest normal: right
}
// [/listing]

void to_bf16(const float* x, std::size_t n, std::uint16_t* out) {
    for (std::size_t i = 0; i < n; ++i) out[i] = to_bf16(x[i]);
}
void from_bf16(const std::uint16_t* b, std::size_t n, float* out) {
    for (std::size_t i = 0; i < n; ++i) out[i] = from_bf16(b[i]);
}
void to_fp16(const float* x, std::size_t n, std::uint16_t* out) {
    for (std::size_t i = 0; i < n; ++i) out[i] = to_fp16(x[i]);
}
void from_fp16(const std::uint16_t* h, std::size_t n, float* out) {
    for (std::size_t i = 0; i < n; ++i) out[i] = from_fp16(h[i]);
}

// --- int8 groups ------------------------------------------------------------------------------
// [listing:ch09_int8]
float quantize_int8(const float* x, int n, std::int8_t* q) {
    // [exercise:int8_quantize] see chapters/09_fewer_bytes/README.md, step 1
    float max_abs = 0;
    for (int i = 0; i < n; ++i) max_abs = std::max(max_abs, std::fabs(x[i]));
    if (max_abs == 0) {  // nothing to scale: scale 0 and zero codes dequantize to exact zeros
        std::fill(q, q + n, std::int8_t{0});
        return 0;
    }
    const float scale = max_abs / 127;
    for (int i = 0; i < n; ++i) {
        // Clamping only guards against float rounding: |x / scale| ≤ 127 up to an ulp.
        const float code = std::nearbyint(x[i] / scale);  // nearest, ties to even
        q[i] = static_cast<std::int8_t>(std::min(127.0f, std::max(-127.0f, code)));
    }
    return scale;
    // [/exercise]
}

void dequantize_int8(const std::int8_t* q, float scale, int n, float* x) {
    for (int i = 0; i < n; ++i) x[i] = static_cast<float>(q[i]) * scale;
}
// [/listing]

}  // namespace gpt2
