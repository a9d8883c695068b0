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

namespace gpt2 {

// Keys stay in the order the program writes them, so the output reads like the docs.
using Json = nlohmann::ordered_json;

// Prints `value` on stdout: on one line, or with `indent` spaces per level. Bytes that are
// not valid UTF-8 (a token can end in the middle of a character) become U+FFFD, so the
// output always parses; NaN and ±inf become null.
void print_json(const Json& value, int indent = -1);
// The same text, without printing (also how a terminal table shows a token: quoted, escaped).
std::string json_dump(const Json& value, int indent = -1);

}  // namespace gpt2
