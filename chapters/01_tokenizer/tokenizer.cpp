// tokenizer.cpp — GPT-2's byte-level BPE: the byte map, the pre-tokenizer, the merge loop,
// encode and decode. The steps follow chapters/01_tokenizer/README.md.
#include "01_tokenizer/tokenizer.hpp"

#include "common/errors.hpp"
#include "common/files.hpp"
#include "common/utf8.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <queue>
#include <sstream>
#include <unordered_map>

namespace gpt2 {

// --- Step 2: bytes ↔ printable characters --------------------------------------------------

// [listing:tokenizer_bytes_to_unicode]
const std::array<char32_t, 256>& bytes_to_unicode() {
    static const std::array<char32_t, 256> table = [] {
        std::array<char32_t, 256> map{};
        char32_t next_free = 0x100;  // stand-ins for the unprintable bytes start at U+0100
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            map[b] = printable ? static_cast<char32_t>(b) : next_free++;
        }
        return map;
    }();
    return table;
}
// [/listing]

std::string to_byte_symbols(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char b : bytes) append_utf8(out, bytes_to_unicode()[b]);
    return out;
}

// --- Step 3: the pre-tokenizer --------------------------------------------------------------

// [listing:tokenizer_pattern]
// GPT-2's pattern, character for character (encoder.py in openai/gpt-2). \p{L} is any
// letter, \p{N} any digit or numeral, \s any white space: UTF + UCP make PCRE2 use the
// Unicode meanings, not ASCII's.
const char* const GPT2_PATTERN =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// GPT-2 ran this pattern with Python's `regex` module, whose \s is Unicode's White_Space
// property. PCRE2's \s is the same set plus U+180E (MONGOLIAN VOWEL SEPARATOR, a space
// before Unicode 6.3), so we spell \s as \p{White_Space} to split exactly as GPT-2 does.
std::string pcre2_pattern() {
    std::string pattern = GPT2_PATTERN;
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"\\s", "\\p{White_Space}"},
                                   std::pair<std::string, std::string>{"\\S", "\\P{White_Space}"}})
        for (std::size_t at; (at = pattern.find(from)) != std::string::npos;) pattern.replace(at, from.size(), to);
    return pattern;
}

PreTokenizer::PreTokenizer() {
    const std::string pattern = pcre2_pattern();
    int error_code = 0;
    PCRE2_SIZE error_offset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(),
                                     PCRE2_UTF | PCRE2_UCP, &error_code, &error_offset, nullptr);
    if (!code) throw std::runtime_error("PCRE2 cannot compile GPT-2's pattern (is libpcre2-8 built with Unicode?)");
    code_.reset(code, [](void* p) { pcre2_code_free(static_cast<pcre2_code*>(p)); });
    // JIT turns the pattern into machine code: several times faster. Without it (a CPU
    // PCRE2 cannot JIT for) the interpreter gives the same pieces.
    jit_ = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
}
// [/listing]

PreTokenizer::MatchState PreTokenizer::new_match_state() const {
    pcre2_code* code = static_cast<pcre2_code*>(code_.get());
    MatchState state;
    state.match_data.reset(pcre2_match_data_create_from_pattern(code, nullptr),
                           [](void* p) { pcre2_match_data_free(static_cast<pcre2_match_data*>(p)); });
    state.context.reset(pcre2_match_context_create(nullptr),
                        [](void* p) { pcre2_match_context_free(static_cast<pcre2_match_context*>(p)); });
    if (!state.match_data || !state.context) throw std::bad_alloc();
    if (jit_) {
        // The default 32 KiB JIT stack is enough for this pattern; the extra room is for
        // pathological inputs (it is reserved, not touched).
        state.jit_stack.reset(pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr),
                              [](void* p) { pcre2_jit_stack_free(static_cast<pcre2_jit_stack*>(p)); });
        if (!state.jit_stack) throw std::bad_alloc();
        pcre2_jit_stack_assign(static_cast<pcre2_match_context*>(state.context.get()), nullptr,
                               state.jit_stack.get());
    }
    return state;
}

bool PreTokenizer::next(std::string_view text, std::size_t start, std::size_t& begin, std::size_t& end,
                        const MatchState& state) const {
    pcre2_code* code = static_cast<pcre2_code*>(code_.get());
    auto* match_data = static_cast<pcre2_match_data*>(state.match_data.get());
    auto* context = static_cast<pcre2_match_context*>(state.context.get());
    const auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    // The text was checked for valid UTF-8 before (require_valid_utf8), so PCRE2 need not
    // check it again at every call (that would make splitting quadratic).
    const int rc = jit_ ? pcre2_jit_match(code, subject, text.size(), start, 0, match_data, context)
                        : pcre2_match(code, subject, text.size(), start, PCRE2_NO_UTF_CHECK, match_data, context);
    if (rc == PCRE2_ERROR_NOMATCH) return false;
    if (rc < 0) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(rc, message, sizeof message);
        throw UserError("the pre-tokenizer regex failed at byte offset " + std::to_string(start) + " (PCRE2: " +
                        reinterpret_cast<const char*>(message) + "); split the text into smaller pieces");
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match_data);
    begin = ovector[0];
    end = ovector[1];
    return end > begin;  // every alternative takes at least one character
}

// [listing:tokenizer_pretokenize]
std::vector<std::string> PreTokenizer::split(std::string_view text) const {
    require_valid_utf8(text, "the text");
    std::vector<std::string> pieces;
    for_each(text, [&](std::size_t begin, std::size_t end) {
        pieces.emplace_back(text.substr(begin, end - begin));
    });
    return pieces;
}
// [/listing]

// --- Loading the two files --------------------------------------------------------------------

struct Tokenizer::Data {
    std::vector<std::string> id_bytes;  // token id → its raw bytes (decode table)
    std::array<int, 256> byte_ids{};    // byte → the id of the one-byte token
    // (left id, right id) → (rank, merged id); the key packs both ids into 64 bits.
    std::unordered_map<std::uint64_t, Merge> merges;
    PreTokenizer pretokenizer;
};

struct Tokenizer::Cache {
    std::mutex mutex;
    std::unordered_map<std::string, std::vector<int>> ids;  // pre-token bytes → its ids
    bool enabled = true;
};

namespace {

constexpr std::size_t CACHE_LIMIT = 1 << 18;   // entries; then the cache starts over
constexpr std::size_t CACHED_WORD_MAX = 256;    // longer pre-tokens are rare: not cached

std::uint64_t pair_key(int left, int right) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
           static_cast<std::uint32_t>(right);
}

// encoder.json is about 1 MB and vocab.bpe 456 KB; anything far larger is not a tokenizer file.
constexpr std::uint64_t kMaxTokenizerFileBytes = 64u << 20;
const char* const kFetchTokenizer = "run `make setup` to fetch the tokenizer files, or pass --vocab-dir DIR";

[[noreturn]] void damaged(const std::string& path, const std::string& detail) {
    throw UserError(path + ": " + detail +
                    "; the file looks damaged: delete it and run `make setup` to fetch it again");
}

std::string shorten(const std::string& text) {
    return text.size() > 40 ? text.substr(0, 40) + "..." : text;
}

// Collects encoder.json's {"token": id, ...} pairs from nlohmann's SAX events (one flat
// object of whole numbers; anything else is an error that names the byte offset).
struct EncoderReader : nlohmann::json_sax<nlohmann::json> {
    std::vector<std::pair<std::string, std::uint64_t>> entries;
    std::string pending_key, error;
    int depth = 0;

    bool fail(const std::string& what) {
        error = what;
        return false;  // stops the parser
    }
    bool unexpected(const char* kind) {
        return fail("expected a whole-number id for token '" + shorten(pending_key) + "', got " + kind);
    }
    bool null() override { return unexpected("null"); }
    bool boolean(bool) override { return unexpected("true/false"); }
    bool number_integer(number_integer_t) override { return unexpected("a negative number"); }
    bool number_float(number_float_t, const string_t&) override { return unexpected("a fraction"); }
    bool string(string_t&) override { return unexpected("a string"); }
    bool binary(binary_t&) override { return unexpected("binary data"); }
    bool number_unsigned(number_unsigned_t value) override {
        entries.emplace_back(std::move(pending_key), value);
        return true;
    }
    bool start_object(std::size_t) override {
        if (depth++ > 0) return unexpected("an object");
        entries.reserve(65536);
        return true;
    }
    bool key(string_t& value) override {
        pending_key = std::move(value);
        return true;
    }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override {
        return depth == 0 ? fail("expected a JSON object {\"token\": id, ...}, got an array") : unexpected("an array");
    }
    bool end_array() override { return true; }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception&) override {
        return fail("not valid JSON at byte " + std::to_string(position) + " (cut short?)");
    }
};

// A vocabulary spelling ("Ġworld") back to raw bytes (" world"); false if a character is not
// one of the 256 byte stand-ins.
bool symbols_to_bytes(const std::string& symbols, std::string& bytes) {
    static const std::unordered_map<char32_t, unsigned char> inverse = [] {
        std::unordered_map<char32_t, unsigned char> map;
        for (int b = 0; b < 256; ++b) map[bytes_to_unicode()[b]] = static_cast<unsigned char>(b);
        return map;
    }();
    bytes.clear();
    if (find_invalid_utf8(symbols) != std::string::npos) return false;
    for (std::size_t pos = 0; pos < symbols.size();) {
        const auto it = inverse.find(next_code_point(symbols, pos));
        if (it == inverse.end()) return false;
        bytes += static_cast<char>(it->second);
    }
    return true;
}

}  // namespace

Tokenizer Tokenizer::load(const std::string& vocab_dir) {
    auto data = std::make_shared<Data>();
    const std::string encoder_path = vocab_dir + "/encoder.json";
    const std::string merges_path = vocab_dir + "/vocab.bpe";

    // encoder.json: {"!": 0, "\"": 1, ..., "Ġworld": 995, ..., "<|endoftext|>": 50256}
    // Read as a stream of (key, number) events: no tree of 50,257 nodes is built.
    EncoderReader reader;
    const std::string encoder_text = read_file_bytes(encoder_path, kMaxTokenizerFileBytes, kFetchTokenizer);
    if (!nlohmann::json::sax_parse(encoder_text, &reader))
        damaged(encoder_path, reader.error);
    const std::size_t n_vocab = reader.entries.size();
    if (n_vocab < 257) damaged(encoder_path, "expected at least 257 tokens, found " + std::to_string(n_vocab));
    data->id_bytes.assign(n_vocab, std::string());
    std::vector<bool> seen(n_vocab, false);
    std::unordered_map<std::string, int> id_of_symbols;  // "Ġworld" → 995, for vocab.bpe
    id_of_symbols.reserve(n_vocab);
    std::string bytes;
    for (auto& [symbols, value] : reader.entries) {
        if (value >= n_vocab)
            damaged(encoder_path, "token '" + shorten(symbols) + "' has id " + std::to_string(value) +
                                      ", expected a whole number below " + std::to_string(n_vocab));
        const int id = static_cast<int>(value);
        if (seen[id]) damaged(encoder_path, "id " + std::to_string(id) + " is given to two tokens");
        if (!symbols_to_bytes(symbols, bytes))
            damaged(encoder_path, "token '" + shorten(symbols) + "' (id " + std::to_string(id) +
                                      ") has a character that stands for no byte");
        seen[id] = true;
        data->id_bytes[id] = bytes;
        id_of_symbols.emplace(std::move(symbols), id);
    }
    const auto special = id_of_symbols.find("<|endoftext|>");
    if (special == id_of_symbols.end() || special->second != END_OF_TEXT)
        damaged(encoder_path, "expected <|endoftext|> with id " + std::to_string(END_OF_TEXT));
    data->byte_ids.fill(-1);
    for (int b = 0; b < 256; ++b) {
        std::string symbol;
        append_utf8(symbol, bytes_to_unicode()[b]);
        const auto it = id_of_symbols.find(symbol);
        if (it == id_of_symbols.end())
            damaged(encoder_path, "no token for the single byte " + std::to_string(b) + " ('" + symbol + "')");
        data->byte_ids[b] = it->second;
    }

    // vocab.bpe: "#version: 0.2", then one merge per line, most frequent first: "Ġ t".
    const std::string text = read_file_bytes(merges_path, kMaxTokenizerFileBytes, kFetchTokenizer);
    std::vector<int> made_at(n_vocab, -2);  // rank of the merge that makes each token
    for (unsigned char b = 0;; ++b) {       // single bytes exist from the start
        made_at[data->byte_ids[b]] = -1;
        if (b == 255) break;
    }
    data->merges.reserve(n_vocab * 2);
    std::size_t line_start = 0;
    int line_number = 0, rank = 0;
    while (line_start < text.size()) {
        std::size_t line_end = text.find('\n', line_start);
        if (line_end == std::string::npos) line_end = text.size();
        const std::string line = text.substr(line_start, line_end - line_start);
        line_start = line_end + 1;
        ++line_number;
        const std::string where = "line " + std::to_string(line_number);
        if (line_number == 1) {
            if (line.rfind("#version", 0) != 0)
                damaged(merges_path, where + ": expected the header '#version: 0.2', got '" + shorten(line) + "'");
            continue;
        }
        if (line.empty() && line_start >= text.size()) break;  // the final newline
        const std::size_t space = line.find(' ');
        if (space == std::string::npos || space == 0 || space + 1 == line.size() ||
            line.find(' ', space + 1) != std::string::npos)
            damaged(merges_path, where + ": expected two tokens separated by one space, got '" + shorten(line) + "'");
        const std::string left = line.substr(0, space), right = line.substr(space + 1);
        const auto l = id_of_symbols.find(left), r = id_of_symbols.find(right),
                   m = id_of_symbols.find(left + right);
        if (l == id_of_symbols.end() || r == id_of_symbols.end() || m == id_of_symbols.end())
            damaged(merges_path, where + ": '" + shorten(line) + "' names a token that encoder.json does not have");
        // GPT-2 learned its merges in this order: a token is only used after the merge that
        // makes it. merge_word relies on that (a new pair always ranks after the one just
        // merged), so a file that breaks it is rejected rather than silently mis-encoded.
        if (made_at[l->second] == -2 || made_at[l->second] >= rank || made_at[r->second] == -2 ||
            made_at[r->second] >= rank)
            damaged(merges_path, where + ": '" + shorten(line) + "' uses a token before the merge that makes it");
        if (made_at[m->second] != -2)
            damaged(merges_path, where + ": '" + shorten(line) + "' makes a token that an earlier line already made");
        made_at[m->second] = rank;
        data->merges.emplace(pair_key(l->second, r->second), Merge{rank, m->second});
        ++rank;
    }
    // Every token but the 256 bytes and <|endoftext|> is made by exactly one merge.
    if (static_cast<std::size_t>(rank) != n_vocab - 257)
        damaged(merges_path, "has " + std::to_string(rank) + " merges but encoder.json has " +
                                 std::to_string(n_vocab) + " tokens (expected " + std::to_string(n_vocab - 257) +
                                 " merges: is the file cut short?)");

    Tokenizer tokenizer;
    tokenizer.data_ = std::move(data);
    tokenizer.cache_ = std::make_shared<Cache>();
    return tokenizer;
}

// --- Step 4: the BPE merge loop ----------------------------------------------------------------

const Tokenizer::Data& Tokenizer::data() const {
    if (!data_) throw std::logic_error("this Tokenizer was never loaded: use Tokenizer::load(dir)");
    return *data_;
}

Tokenizer::Merge Tokenizer::find_merge(int left, int right) const {
    const auto it = data().merges.find(pair_key(left, right));
    return it == data().merges.end() ? Merge{-1, -1} : it->second;
}

// [listing:tokenizer_merge_word]
std::vector<int> Tokenizer::merge_word(std::vector<int> parts, std::vector<MergeStep>* trace) const {
    // [exercise:bpe_merge] see chapters/01_tokenizer/README.md, step 4
    // Rule (GPT-2's encoder.py): take the neighbouring pair with the lowest rank, merge it,
    // repeat until no neighbouring pair is a merge. Ties (the same pair twice) go left first.
    // A priority queue of (rank, position) finds that pair in O(log n) instead of rescanning
    // the word, so a 100 kB "word" costs milliseconds, not minutes.
    const int n = static_cast<int>(parts.size());
    if (n < 2) return parts;
    // The word as a linked list over the original positions; a merged-away position gets -1.
    std::vector<int> prev(n), next(n);
    for (int i = 0; i < n; ++i) {
        prev[i] = i - 1;
        next[i] = i + 1 < n ? i + 1 : -1;
    }
    using Candidate = std::pair<int, int>;  // (rank, position of the left token)
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
    const auto consider = [&](int i) {  // queue the pair starting at position i, if it merges
        if (i < 0 || next[i] < 0) return;
        const Merge merge = find_merge(parts[i], parts[next[i]]);
        if (merge.rank >= 0) queue.push({merge.rank, i});
    };
    for (int i = 0; i + 1 < n; ++i) consider(i);

    while (!queue.empty()) {
        const auto [rank, i] = queue.top();
        queue.pop();
        if (parts[i] < 0 || next[i] < 0) continue;  // merged away since it was queued
        const int j = next[i];
        const Merge merge = find_merge(parts[i], parts[j]);
        if (merge.rank != rank) continue;  // a neighbour changed since: not this pair any more
        if (trace) trace->push_back({rank, parts[i], parts[j], merge.merged});
        parts[i] = merge.merged;  // the left token becomes the merged one...
        parts[j] = -1;            // ...and the right one leaves the list
        next[i] = next[j];
        if (next[j] >= 0) prev[next[j]] = i;
        consider(prev[i]);  // two new pairs: (previous, merged) and (merged, next)
        consider(i);
    }
    std::vector<int> ids;
    for (int i = 0; i >= 0; i = next[i]) ids.push_back(parts[i]);  // position 0 always stays
    return ids;
    // [/exercise]
}
// [/listing]

std::vector<int> Tokenizer::encode_word(std::string_view word_bytes, std::vector<MergeStep>* trace) const {
    std::vector<int> parts;
    parts.reserve(word_bytes.size());
    for (unsigned char b : word_bytes) parts.push_back(data().byte_ids[b]);  // one token per byte
    return merge_word(std::move(parts), trace);
}

// --- Step 5: text → ids, with a cache per pre-token ---------------------------------------------

// [listing:tokenizer_encode]
void Tokenizer::encode_ordinary(std::string_view text, std::vector<int>& out) const {
    const PreTokenizer& pretokenizer = data().pretokenizer;
    Cache& cache = *cache_;
    std::lock_guard<std::mutex> lock(cache.mutex);  // one lock per call, not per pre-token
    std::string key;
    pretokenizer.for_each(text, [&](std::size_t begin, std::size_t end) {
        const std::string_view word = text.substr(begin, end - begin);
        // Text repeats its words: remember each pre-token's ids instead of merging again.
        if (cache.enabled && word.size() <= CACHED_WORD_MAX) {
            key.assign(word);
            auto it = cache.ids.find(key);
            if (it == cache.ids.end()) {
                if (cache.ids.size() >= CACHE_LIMIT) cache.ids.clear();
                it = cache.ids.emplace(key, encode_word(word)).first;
            }
            out.insert(out.end(), it->second.begin(), it->second.end());
        } else {
            const std::vector<int> ids = encode_word(word);
            out.insert(out.end(), ids.begin(), ids.end());
        }
    });
}

std::vector<int> Tokenizer::encode(const std::string& text, bool allow_special) const {
    require_valid_utf8(text, "the text");
    std::vector<int> ids;
    ids.reserve(text.size() / 4 + 1);
    if (!allow_special) {
        encode_ordinary(text, ids);  // <|endoftext|> is just text here, as in GPT-2's encoder
        return ids;
    }
    static const std::string special = "<|endoftext|>";
    std::size_t start = 0;
    for (std::size_t hit; (hit = text.find(special, start)) != std::string::npos; start = hit + special.size()) {
        encode_ordinary(std::string_view(text).substr(start, hit - start), ids);
        ids.push_back(END_OF_TEXT);
    }
    encode_ordinary(std::string_view(text).substr(start), ids);
    return ids;
}
// [/listing]

// --- Step 6: ids → bytes → text -------------------------------------------------------------------

// [listing:tokenizer_decode]
std::string Tokenizer::decode(const std::vector<int>& ids) const {
    std::string bytes;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] < 0 || ids[i] >= vocab_size())
            throw UserError("token id " + std::to_string(ids[i]) + " (position " + std::to_string(i + 1) +
                            ") is outside the vocabulary; ids go from 0 to " + std::to_string(vocab_size() - 1));
        bytes += data().id_bytes[ids[i]];  // a token may end mid-character: keep raw bytes
    }
    return bytes;
}
// [/listing]

int Tokenizer::vocab_size() const { return static_cast<int>(data().id_bytes.size()); }

std::vector<std::string> Tokenizer::pretokenize(std::string_view text) const {
    return data().pretokenizer.split(text);
}

int Tokenizer::byte_token(unsigned char byte) const { return data().byte_ids[byte]; }

const std::string& Tokenizer::token_bytes(int id) const {
    if (id < 0 || id >= vocab_size())
        throw UserError("token id " + std::to_string(id) + " is outside the vocabulary; ids go from 0 to " +
                        std::to_string(vocab_size() - 1));
    return data().id_bytes[id];
}

std::string Tokenizer::token_symbols(int id) const { return to_byte_symbols(token_bytes(id)); }

int Tokenizer::merge_count() const { return static_cast<int>(data().merges.size()); }

const PreTokenizer& Tokenizer::pretokenizer() const { return data().pretokenizer; }

void Tokenizer::clear_cache() const {
    data();
    std::lock_guard<std::mutex> lock(cache_->mutex);
    cache_->ids.clear();
}

void Tokenizer::set_cache_enabled(bool enabled) const {
    data();
    std::lock_guard<std::mutex> lock(cache_->mutex);
    cache_->enabled = enabled;
}

}  // namespace gpt2
