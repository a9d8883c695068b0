// tokenizer.hpp — GPT-2's byte-level BPE tokenizer, byte-exact with the original.
//
// text → UTF-8 bytes → bytes_to_unicode → pre-tokens (GPT-2's regex) → BPE merges by rank
// → ids; and back: ids → token strings → bytes → text. See chapters/01_tokenizer/README.md.
//
// Later chapters only need load / encode / decode. The other public pieces are the steps
// chapter 01 shows one at a time.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gpt2 {

// --- Step 2: bytes ↔ printable characters --------------------------------------------------
// GPT-2's vocabulary files store every token as text. To make every byte printable, each
// byte b gets a stand-in character: the 188 printable Latin-1 bytes keep their own code
// point, the other 68 (control bytes, space, 0x7F-0xA0, 0xAD) get U+0100, U+0101, …
// So ' ' (0x20) is 'Ġ' (U+0120) and '\n' (0x0A) is 'Ċ' (U+010A).
const std::array<char32_t, 256>& bytes_to_unicode();
// Every byte of `bytes` replaced by its stand-in character, as UTF-8 ("Hi there" → "HiĠthere").
std::string to_byte_symbols(std::string_view bytes);

// --- Step 3: the pre-tokenizer --------------------------------------------------------------
// GPT-2 never merges across these pieces: contractions, runs of letters, of digits, of other
// symbols (each optionally led by one space), and whitespace.
extern const char* const GPT2_PATTERN;
// The same pattern as PCRE2 compiles it: \s spelled \p{White_Space}, the meaning \s had in
// the regex engine GPT-2 used (see tokenizer.cpp).
std::string pcre2_pattern();

// The compiled pattern (PCRE2, UTF + UCP, JIT-compiled when the CPU allows it).
class PreTokenizer {
public:
    PreTokenizer();
    // The pieces of `text`, in order; concatenated they give `text` back. Throws UserError for
    // invalid UTF-8 (naming the byte offset).
    std::vector<std::string> split(std::string_view text) const;
    // The same pieces as [begin, end) byte offsets, without copying; text must be valid UTF-8.
    template <typename Visit>
    void for_each(std::string_view text, Visit&& visit) const;
    bool jit() const { return jit_; }

private:
    struct MatchState {  // PCRE2's per-call buffers (match data, JIT stack)
        std::shared_ptr<void> match_data, context, jit_stack;
    };
    MatchState new_match_state() const;
    // Finds the next piece at or after `start`; false when there is none.
    bool next(std::string_view text, std::size_t start, std::size_t& begin, std::size_t& end,
              const MatchState& state) const;
    std::shared_ptr<void> code_;  // pcre2_code_8*
    bool jit_ = false;
};

template <typename Visit>
void PreTokenizer::for_each(std::string_view text, Visit&& visit) const {
    const MatchState state = new_match_state();
    std::size_t begin = 0, end = 0;
    for (std::size_t start = 0; start < text.size() && next(text, start, begin, end, state); start = end)
        visit(begin, end);
}

// --- Step 4: one merge of the BPE loop -------------------------------------------------------
struct MergeStep {
    int rank;    // line of vocab.bpe (0 = the first merge GPT-2 learned, the most common pair)
    int left;    // token ids of the pair...
    int right;
    int merged;  // ...and of the token they become
};

class Tokenizer {
public:
    static constexpr int END_OF_TEXT = 50256;  // <|endoftext|>

    // Reads encoder.json and vocab.bpe from vocab_dir (default: data/tokenizer, fetched by
    // `make setup`). Throws UserError if a file is missing or malformed.
    static Tokenizer load(const std::string& vocab_dir);

    // Throws UserError for invalid UTF-8 (naming the byte offset). With allow_special, the
    // literal text <|endoftext|> becomes END_OF_TEXT; otherwise it is ordinary text.
    std::vector<int> encode(const std::string& text, bool allow_special = false) const;
    // Exact bytes (possibly not valid UTF-8 when cut mid-character). Throws UserError for an
    // id outside [0, vocab_size()).
    std::string decode(const std::vector<int>& ids) const;
    int vocab_size() const;

    // --- the steps chapter 01 shows ---
    // Step 3: the pre-tokens of `text` (see PreTokenizer::split).
    std::vector<std::string> pretokenize(std::string_view text) const;
    // Step 4: the ids of one pre-token (its raw bytes). With `trace`, every merge applied is
    // appended to it, in order.
    std::vector<int> encode_word(std::string_view word_bytes, std::vector<MergeStep>* trace = nullptr) const;
    // The BPE merge loop itself: start from one token per byte, merge pairs by rank until no
    // pair of neighbours is in vocab.bpe (README step 4; this is the exercise).
    std::vector<int> merge_word(std::vector<int> parts, std::vector<MergeStep>* trace) const;

    struct Merge {
        int rank;    // -1 when the pair is not a merge
        int merged;  // the id of the merged token
    };
    // The merge of the neighbours (left, right), if vocab.bpe has one.
    Merge find_merge(int left, int right) const;
    // The token made of exactly this one byte.
    int byte_token(unsigned char byte) const;
    // A token's raw bytes (decode of one id), and its spelling in the vocabulary files
    // ("Ġworld" for " world"). Throw UserError for an unknown id.
    const std::string& token_bytes(int id) const;
    std::string token_symbols(int id) const;
    int merge_count() const;
    const PreTokenizer& pretokenizer() const;
    // Encoded pre-tokens are remembered (per Tokenizer and its copies); this forgets them.
    void clear_cache() const;
    // false: every pre-token goes through merge_word again (chapter 01's --bench compares).
    void set_cache_enabled(bool enabled) const;

private:
    struct Data;
    struct Cache;
    const Data& data() const;  // throws if this Tokenizer was default-made, not load()ed
    std::shared_ptr<const Data> data_;
    std::shared_ptr<Cache> cache_;
    void encode_ordinary(std::string_view text, std::vector<int>& out) const;
};

}  // namespace gpt2
