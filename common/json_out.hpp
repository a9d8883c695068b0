// json_out.hpp — the small pieces programs need to print one JSON object on stdout (--json).
#pragma once

#include <string>
#include <vector>

namespace gpt2 {

// A JSON string literal with quotes. Control characters are escaped; bytes that are not
// valid UTF-8 (a token can end mid-character) become U+FFFD, so the output always parses.
std::string json_string(const std::string& text);
// A number that reads back to the same float (9 significant digits); NaN/inf become null.
std::string json_number(double value);
// [a, b, c] of integers / of numbers.
std::string json_int_array(const std::vector<int>& values);
std::string json_number_array(const float* values, std::size_t count);

}  // namespace gpt2
