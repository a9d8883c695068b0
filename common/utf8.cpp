#include "utf8.hpp"

#include "errors.hpp"

#include <cstdio>

namespace gpt2 {

namespace {

// [listing:utf8_sequence_length]
// Length of the valid UTF-8 sequence starting at text[pos], or 0 if there is none.
std::size_t sequence_length(std::string_view text, std::size_t pos) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char b0 = byte(pos);
    if (b0 < 0x80) return 1;
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        length = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        length = 3;
        if (b0 == 0xE0) low = 0xA0;   // overlong below U+0800
        if (b0 == 0xED) high = 0x9F;  // U+D800..U+DFFF are surrogates, not characters
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        length = 4;
        if (b0 == 0xF0) low = 0x90;   // overlong below U+10000
        if (b0 == 0xF4) high = 0x8F;  // past U+10FFFF
    } else {
        return 0;  // 0x80..0xC1 and 0xF5..0xFF never start a character
    }
    if (pos + length > text.size()) return 0;
    if (byte(pos + 1) < low || byte(pos + 1) > high) return 0;
    for (std::size_t i = 2; i < length; ++i)
        if (byte(pos + i) < 0x80 || byte(pos + i) > 0xBF) return 0;
    return length;
}
// [/listing]

std::string hex_byte(unsigned char b) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "0x%02x", b);
    return buffer;
}

}  // namespace

std::size_t find_invalid_utf8(std::string_view text) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        // Fast path: a run of ASCII bytes.
        while (pos < text.size() && static_cast<unsigned char>(text[pos]) < 0x80) ++pos;
        if (pos == text.size()) break;
        const std::size_t length = sequence_length(text, pos);
        if (length == 0) return pos;
        pos += length;
    }
    return std::string_view::npos;
}

void require_valid_utf8(std::string_view text, const std::string& what) {
    const std::size_t bad = find_invalid_utf8(text);
    if (bad == std::string_view::npos) return;
    const unsigned char b = static_cast<unsigned char>(text[bad]);
    std::string why;
    if (b >= 0x80 && b <= 0xBF)
        why = "byte " + hex_byte(b) + " continues a character that never started";
    else if (b == 0xC0 || b == 0xC1 || b >= 0xF5)
        why = "byte " + hex_byte(b) + " never appears in UTF-8";
    else
        why = "the character starting with byte " + hex_byte(b) + " is cut short or malformed";
    throw UserError(what + ": not valid UTF-8 at byte offset " + std::to_string(bad) + " (" + why +
                    "); save the text as UTF-8 (e.g. iconv -f latin1 -t utf-8) and try again");
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

char32_t next_code_point(std::string_view text, std::size_t& pos) {
    const unsigned char b0 = static_cast<unsigned char>(text[pos]);
    std::size_t length = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
    char32_t cp = length == 1 ? b0 : length == 2 ? (b0 & 0x1F) : length == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    for (std::size_t i = 1; i < length && pos + i < text.size(); ++i)
        cp = (cp << 6) | (static_cast<unsigned char>(text[pos + i]) & 0x3F);
    pos += length;
    return cp;
}

std::string printable(std::string_view bytes) {
    std::string out;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        const unsigned char b = static_cast<unsigned char>(bytes[pos]);
        const std::size_t length = sequence_length(bytes, pos);
        if (length == 1 && b >= 0x20 && b != 0x7F && b != '\\') {
            out += static_cast<char>(b);
        } else if (b == '\\') {
            out += "\\\\";
        } else if (b == '\n') {
            out += "\\n";
        } else if (b == '\r') {
            out += "\\r";
        } else if (b == '\t') {
            out += "\\t";
        } else if (length == 2 && b == 0xC2 && static_cast<unsigned char>(bytes[pos + 1]) < 0xA0) {
            char buffer[12];  // U+0080..U+009F are control characters too (e.g. U+0085)
            std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned char>(bytes[pos + 1]));
            out += buffer;
        } else if (length > 1) {
            out.append(bytes.substr(pos, length));
        } else {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\x%02x", b);
            out += buffer;
        }
        pos += length == 0 ? 1 : length;
    }
    return out;
}

}  // namespace gpt2
