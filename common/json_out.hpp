// json_out.hpp — what programs print for --json: one JSON object on stdout, built with
// nlohmann-json.
//
//     gpt2::Json out;
//     out["chapter"] = "05_cached_decode";
//     out["generated_ids"] = run.generated_ids;   // std::vector<int> → [..]
//     gpt2::print_json(out);
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace gpt2 {

// Keys stay in the order the program writes them, so the output reads like the docs.
using Json = nlohmann::ordered_json;

// Prints `value` on one line on stdout. Bytes that are not valid UTF-8 (a token can end in
// the middle of a character) become U+FFFD, so the output always parses; NaN and ±inf become
// null.
void print_json(const Json& value);
// The same text, without printing.
std::string json_dump(const Json& value);

// (Older helpers, still used by some programs.)
std::string json_string(const std::string& text);
std::string json_number(double value);
std::string json_int_array(const std::vector<int>& values);
std::string json_number_array(const float* values, std::size_t count);

}  // namespace gpt2
