// fuzz_tokenizer.cpp — libFuzzer target for GPT-2's tokenizer (chapters/01_tokenizer/tokenizer.hpp), with the
// real encoder.json + vocab.bpe from data/tokenizer (run `make setup` first).
//
// The first input byte picks the mode, the rest is the payload:
//   even: payload as text. Valid UTF-8 → encode must succeed, every id must be in
//         [0, vocab_size) and decode(encode(text)) must give back exactly the text (the round
//         trip). Invalid UTF-8 → encode must throw UserError. (byte & 2: allow_special.)
//   odd:  payload as little-endian u16 ids → decode must succeed when all are < vocab_size and
//         throw UserError otherwise.
// Anything else (another exception, a sanitizer report, a broken round trip) aborts.
#include "common/errors.hpp"
#include "common/paths.hpp"
#include "01_tokenizer/tokenizer.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

void check(bool ok, const char* what, const std::string& detail = "") {
    if (!ok) {
        std::fprintf(stderr, "fuzz_tokenizer: invariant broken: %s %s\n", what, detail.c_str());
        std::abort();
    }
}

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(const std::string& s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        std::size_t n;
        std::uint32_t cp;
        if (c < 0x80) { ++i; continue; }
        else if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; }
        else return false;
        for (std::size_t k = 1; k <= n; ++k) {
            if (i + k >= s.size()) return false;
            const unsigned char d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

const gpt2::Tokenizer& tokenizer() {
    static const gpt2::Tokenizer t = gpt2::Tokenizer::load(gpt2::default_vocab_dir());
    return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0 || size > 8192) return 0;
    const gpt2::Tokenizer& tok = tokenizer();
    const std::uint8_t mode = data[0];
    const std::string payload(reinterpret_cast<const char*>(data + 1), size - 1);
    if (mode % 2 == 0) {
        const bool allow_special = (mode & 2) != 0;
        if (valid_utf8(payload)) {
            std::vector<int> ids = tok.encode(payload, allow_special);  // must not throw
            for (int id : ids) check(id >= 0 && id < tok.vocab_size(), "encode produced an id out of range");
            check(tok.decode(ids) == payload, "decode(encode(text)) != text");
        } else {
            try {
                tok.encode(payload, allow_special);
                check(false, "encode accepted invalid UTF-8");
            } catch (const gpt2::UserError& e) {
                check(e.what()[0] != '\0', "empty error message");
            }
        }
    } else {
        std::vector<int> ids;
        bool in_range = true;
        for (std::size_t i = 0; i + 1 < payload.size(); i += 2) {
            const int id = static_cast<unsigned char>(payload[i]) | (static_cast<unsigned char>(payload[i + 1]) << 8);
            ids.push_back(id);
            in_range &= id < tok.vocab_size();
        }
        try {
            tok.decode(ids);
            check(in_range, "decode accepted an id past the vocabulary");
        } catch (const gpt2::UserError&) {
            check(!in_range, "decode refused ids that are all in range");
        }
    }
    return 0;
}
