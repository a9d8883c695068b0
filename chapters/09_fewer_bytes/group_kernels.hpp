// group_kernels.hpp — attention's two inner loops over one stored group (one head of one token's
// key or value: head_dim numbers) kept as int8, bfloat16 or float16 (README step 4):
//   dot_*   score = q · k        q: float32 query (n), k: the stored key group (n)
//   axpy_*  out  += a · v        a: the softmax weight, v: the stored value group (n)
// The stored numbers are widened to float32 on the fly and everything is summed in float32:
// only the cache's bytes shrink, not the arithmetic. Like chapter 08's `dot`, each keeps eight
// independent sums so the compiler turns the loop into vector instructions (the headers are
// inline so they vectorize with the flags of the attention loop that calls them).
#pragma once

#include "09_fewer_bytes/number_formats.hpp"

#include <cstdint>

namespace gpt2 {

// float16 → float32 with selects instead of branches, so a loop over it vectorizes. The same
// value as from_fp16 for all 65536 bit patterns (a test checks every one):
//   normal     rebias the exponent: + (127 - 15) << 23
//   Inf, NaN   exponent 31 → 255:   + (255 - 31) << 23
//   subnormal  build 2^-14 + m·2^-24 as a normal float32, then subtract 2^-14 (exact)
inline float from_fp16_vectorizable(std::uint16_t h) {
    const std::uint32_t exponent = h & 0x7C00u;
    const std::uint32_t shifted = static_cast<std::uint32_t>(h & 0x7FFFu) << 13;
    const std::uint32_t normal = shifted + (exponent == 0x7C00u ? (255u - 31u) << 23 : (127u - 15u) << 23);
    const float subnormal = float_from_bits(shifted + (113u << 23)) - float_from_bits(113u << 23);
    const std::uint32_t magnitude = exponent == 0 ? float_bits(subnormal) : normal;
    return float_from_bits(magnitude | (static_cast<std::uint32_t>(h & 0x8000u) << 16));
}

namespace detail {

inline float sum_of_eight(const float* s) {
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

}  // namespace detail

// [listing:ch09_dot_int8]
// q · (scale · k): the scale is common to the group, so it multiplies the sum once.
inline float dot_int8(const float* q, const std::int8_t* k, float scale, int n) {
    float sum[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) sum[j] += q[i + j] * static_cast<float>(k[i + j]);
    float total = detail::sum_of_eight(sum);
    for (; i < n; ++i) total += q[i] * static_cast<float>(k[i]);
    return total * scale;
}

// out += a · (scale · v)
inline void axpy_int8(float a, const std::int8_t* v, float scale, float* out, int n) {
    const float weight = a * scale;
    for (int i = 0; i < n; ++i) out[i] += weight * static_cast<float>(v[i]);
}
// [/listing]

inline float dot_bf16(const float* q, const std::uint16_t* k, int n) {
    float sum[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) sum[j] += q[i + j] * from_bf16(k[i + j]);
    float total = detail::sum_of_eight(sum);
    for (; i < n; ++i) total += q[i] * from_bf16(k[i]);
    return total;
}

inline void axpy_bf16(float a, const std::uint16_t* v, float* out, int n) {
    for (int i = 0; i < n; ++i) out[i] += a * from_bf16(v[i]);
}

inline float dot_fp16(const float* q, const std::uint16_t* k, int n) {
    float sum[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) sum[j] += q[i + j] * from_fp16_vectorizable(k[i + j]);
    float total = detail::sum_of_eight(sum);
    for (; i < n; ++i) total += q[i] * from_fp16_vectorizable(k[i]);
    return total;
}

inline void axpy_fp16(float a, const std::uint16_t* v, float* out, int n) {
    for (int i = 0; i < n; ++i) out[i] += a * from_fp16_vectorizable(v[i]);
}

}  // namespace gpt2
