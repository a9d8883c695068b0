#include "json_out.hpp"

#include <cstdio>

namespace gpt2 {

std::string json_dump(const Json& value, int indent) {
    // error_handler replace: a token's bytes can stop mid-character; those become U+FFFD.
    // nlohmann writes NaN and ±inf as null.
    return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

void print_json(const Json& value, int indent) { std::printf("%s\n", json_dump(value, indent).c_str()); }

}  // namespace gpt2
