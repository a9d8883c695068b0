// number_formats.hpp — the number formats of chapter 09: what a weight or a cached key costs in
// bytes, and how a float32 becomes one and comes back (README step 1).
//
//   float32   s eeeeeeee mmmmmmm mmmmmmmmmmmmmmmm    1 + 8 + 23 bits, exponent bias 127
//   bfloat16  s eeeeeeee mmmmmmm                     the top 16 bits of a float32
//   float16   s eeeee mmmmmmmmmm                     1 + 5 + 10 bits, exponent bias 15
//   int8      qqqqqqqq  × one float32 scale per group (a group = one head's head_dim values)
//
// bfloat16 keeps float32's exponent (its range) and drops mantissa bits; float16 keeps more
// mantissa bits and gives up range (largest 65504). int8 keeps 255 levels between ±max|x| of
// its group. Every conversion back to float32 is exact: float32 holds every such value.
#pragma once

#include "06_memory_estimator/memory_estimator.hpp"  // DType: a stored value's number format (chapter 06)
#include "common/safetensors.hpp"                    // f16_to_f32, bf16_to_f32: widening, exact

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace gpt2 {

// --- the formats: chapter 06's DType, four of which run here ------------------------------
// fp32, fp16, bf16 and int8. Chapter 06 also estimates fp8 and int4; nothing here runs them.
std::string number_format_names();  // "fp32|fp16|bf16|int8": the ones this chapter runs
// "bf16" → DType::bf16; anything else (fp8 and int4 included) is a UserError naming `where` and
// the valid names.
DType parse_number_format(const std::string& text, const std::string& where);
// Bytes one value takes: 4, 2, 2, 1 (chapter 06's dtype_bits / 8). int8's per-group float32
// scale is not included: the cache counts it once per group (4 bytes per head_dim values).
int bytes_per_value(DType format);

// --- bit patterns -----------------------------------------------------------------------
inline std::uint32_t float_bits(float x) {
    std::uint32_t u;
    std::memcpy(&u, &x, sizeof u);  // the defined way to read a float's bits
    return u;
}
inline float float_from_bits(std::uint32_t u) {
    float x;
    std::memcpy(&x, &u, sizeof x);
    return x;
}

// --- bfloat16 -----------------------------------------------------------------------------
// [listing:ch09_bf16]
// float32 → bfloat16: the top 16 bits, rounded to nearest, ties to even. Adding 0x7FFF plus
// the lowest kept bit carries into the kept bits exactly when the dropped half is above a tie,
// or is a tie and the kept part is odd. ±0 and ±Inf are exact; a value that rounds past the
// largest finite bfloat16 becomes ±Inf (the carry runs into the exponent, as it should).
inline std::uint16_t to_bf16(float x) {
    const std::uint32_t u = float_bits(x);
    // NaN: truncating could leave only zero mantissa bits (an Inf), so force the quiet bit.
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<std::uint16_t>((u >> 16) | 0x0040u);
    const std::uint32_t lowest_kept = (u >> 16) & 1u;
    return static_cast<std::uint16_t>((u + 0x7FFFu + lowest_kept) >> 16);
}
// [/listing]

// bfloat16 → float32 and float16 → float32 widen exactly. They are the safetensors reader's
// (common/safetensors.cpp): chapter 03's loader has widened F16 and BF16 files with them all
// along. These are chapter 09's names for them.
inline float from_bf16(std::uint16_t b) { return bf16_to_f32(b); }
inline float from_fp16(std::uint16_t h) { return f16_to_f32(h); }

// --- IEEE float16 ---------------------------------------------------------------------------
// float32 → float16, rounded to nearest, ties to even: overflow (|x| ≥ 65520) → ±Inf,
// |x| < 2^-14 → a subnormal (a multiple of 2^-24; ≤ 2^-25 → ±0), NaN → a quiet NaN.
std::uint16_t to_fp16(float x);

// Whole arrays, element by element (n values from x into out).
void to_bf16(const float* x, std::size_t n, std::uint16_t* out);
void from_bf16(const std::uint16_t* b, std::size_t n, float* out);
void to_fp16(const float* x, std::size_t n, std::uint16_t* out);
void from_fp16(const std::uint16_t* h, std::size_t n, float* out);

// --- int8 with one scale per group ----------------------------------------------------------
// Symmetric: scale = max|x| / 127, q = round(x / scale) in [-127, 127], x ≈ q · scale. -128 is
// never used, so +x and -x quantize to opposite codes. An all-zero group has scale 0.
// Returns the group's scale; q receives n codes.
float quantize_int8(const float* x, int n, std::int8_t* q);
// x = q · scale, for n codes.
void dequantize_int8(const std::int8_t* q, float scale, int n, float* x);

}  // namespace gpt2
