// utf8.hpp — checking and building UTF-8 byte strings (the tokenizer's input and output).
//
// GPT-2's tokenizer works on bytes, but its pre-tokenizer regex works on characters, so the
// text must be valid UTF-8 before it is matched. We check that ourselves (RFC 3629: no
// overlong forms, no surrogates, nothing past U+10FFFF) so the error can name the byte offset.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gpt2 {

// Byte offset of the first byte that does not belong to a valid UTF-8 sequence, or
// std::string_view::npos when the whole text is valid.
std::size_t find_invalid_utf8(std::string_view text);

// Throws UserError when text is not valid UTF-8:
//   "<what>: not valid UTF-8 at byte offset 5 (byte 0xff cannot start a character); ..."
void require_valid_utf8(std::string_view text, const std::string& what);

// Appends the UTF-8 encoding of one code point (must be <= U+10FFFF and not a surrogate).
void append_utf8(std::string& out, char32_t code_point);

// Reads the code point starting at text[pos] (text must be valid UTF-8 there) and advances
// pos past it.
char32_t next_code_point(std::string_view text, std::size_t& pos);

// Bytes made safe to print on one terminal line: valid UTF-8 stays as it is, control bytes
// become \n \r \t, \xNN or \u0085, and bytes that are not valid UTF-8 become \xNN.
std::string printable(std::string_view bytes);

}  // namespace gpt2
