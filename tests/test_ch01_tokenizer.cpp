// Checker for chapter 01 (chapters/01_tokenizer/README.md): GPT-2's byte-level BPE tokenizer.
//
// Where the expected values come from:
// - tests/reference/tokenizer/expected_ids.json: ids computed by an independent
//   implementation, the npm package gpt-tokenizer (encoding r50k_base), with
//   tests/tools/make_tokenizer_reference.sh. The file records the package version and date.
// - tests/reference/tokenizer/expected_ids_original.json: white space that regex engines
//   disagree on (U+0085, U+FEFF, U+180E, ...), from GPT-2's own encoder.py algorithm run with
//   Python's `regex` module, GPT-2's engine (tests/tools/gpt2_original_reference.py).
// - the small examples (byte map, pre-token splits, the merges of " the") are derived by hand
//   from GPT-2's pattern and the first lines of vocab.bpe; the README walks through them.
// - the merges BPE training learns from a toy corpus are counted by hand in the test.
// - round trips are checked on thousands of generated strings (a property, not a table).
#include "common/errors.hpp"
#include "common/paths.hpp"
#include "common/timing.hpp"
#include "01_tokenizer/learn_merges.hpp"
#include "01_tokenizer/tokenizer.hpp"
#include "common/utf8.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using gpt2::Tokenizer;

namespace {

const std::string STEP4 =
    "Tokenizer::merge_word is not written yet: see chapters/01_tokenizer/README.md, step 4 "
    "(the BPE merge loop)";

const Tokenizer& tokenizer() {
    static const Tokenizer loaded = Tokenizer::load(gpt2::default_vocab_dir());
    return loaded;
}

// encode, but an unfinished exercise fails the test with a pointer to the lesson.
std::vector<int> encode(const std::string& text, bool allow_special = false) {
    try {
        return tokenizer().encode(text, allow_special);
    } catch (const gpt2::ExerciseNotDone& e) {
        FAIL(STEP4 << " [" << std::string(e.what()) << "]");
    }
    return {};
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot open " << path);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

double thread_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

std::string reference_dir() { return gpt2::project_root() + "/tests/reference/tokenizer"; }

const nlohmann::json& reference() {
    static const nlohmann::json data = nlohmann::json::parse(read_file(reference_dir() + "/expected_ids.json"));
    return data;
}

std::string show_ids(const std::vector<int>& ids, std::size_t from, std::size_t count = 8) {
    std::string out;
    for (std::size_t i = from; i < ids.size() && i < from + count; ++i) out += std::to_string(ids[i]) + " ";
    return out.empty() ? "(end)" : out;
}

// "" when equal, else where they first differ and the ids around it.
std::string difference(const std::vector<int>& got, const std::vector<int>& expected) {
    std::size_t i = 0;
    while (i < got.size() && i < expected.size() && got[i] == expected[i]) ++i;
    if (i == got.size() && i == expected.size()) return "";
    const std::size_t from = i >= 3 ? i - 3 : 0;
    return "first difference at id #" + std::to_string(i) + " (got " + std::to_string(got.size()) +
           " ids, expected " + std::to_string(expected.size()) + "); from #" + std::to_string(from) +
           ": got [" + show_ids(got, from) + "] expected [" + show_ids(expected, from) + "]";
}

std::string error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const gpt2::UserError& e) {
        return e.what();
    }
    return "";
}

// A temporary copy of the tokenizer folder we can damage.
struct ScratchVocab {
    std::filesystem::path dir;
    ScratchVocab() {
        dir = std::filesystem::temp_directory_path() /
              ("gpt2_tok_test_" + std::to_string(std::random_device{}()));
        std::filesystem::create_directories(dir);
        std::filesystem::copy_file(gpt2::default_vocab_dir() + "/encoder.json", dir / "encoder.json");
        std::filesystem::copy_file(gpt2::default_vocab_dir() + "/vocab.bpe", dir / "vocab.bpe");
    }
    ~ScratchVocab() { std::filesystem::remove_all(dir); }
    void write(const std::string& name, const std::string& content) const {
        std::ofstream(dir / name, std::ios::binary) << content;
    }
    std::string load_error() const {
        return error_of([&] { Tokenizer::load(dir.string()); });
    }
};

}  // namespace

TEST_SUITE("ch01_tokenizer") {

TEST_CASE("the tokenizer files load quickly and hold GPT-2's 50257 tokens and 50000 merges") {
    gpt2::Stopwatch clock;
    const Tokenizer fresh = Tokenizer::load(gpt2::default_vocab_dir());
    const double seconds = clock.seconds();
    CHECK(fresh.vocab_size() == 50257);
    CHECK(fresh.merge_count() == 50000);
    CHECK(fresh.token_bytes(Tokenizer::END_OF_TEXT) == "<|endoftext|>");
    CHECK(fresh.token_bytes(995) == " world");  // encoder.json: "Ġworld": 995
    WARN_MESSAGE(seconds < 0.5, "loading took " << seconds << " s (aim: well under 0.5 s)");
    CHECK_MESSAGE(seconds < 3.0, "loading took " << seconds << " s: far too slow for a 1 MB JSON file");
}

TEST_CASE("bytes_to_unicode keeps the 188 printable bytes and moves the other 68 to U+0100 onward") {
    const auto& map = gpt2::bytes_to_unicode();
    // Derived by hand: bytes 0..32 are the first 33 unprintable ones (U+0100..U+0120), then
    // 0x7F..0xA0 (U+0121..U+0142), then 0xAD (U+0143).
    CHECK(map[' '] == 0x120);   // 'Ġ', the space in "Ġworld"
    CHECK(map['\n'] == 0x10A);  // 'Ċ'
    CHECK(map[0x00] == 0x100);
    CHECK(map[0x7F] == 0x121);
    CHECK(map[0xAD] == 0x143);
    CHECK(map['A'] == 'A');
    CHECK(map[0xE9] == 0xE9);  // 'é' stays
    std::vector<char32_t> sorted(map.begin(), map.end());
    std::sort(sorted.begin(), sorted.end());
    CHECK_MESSAGE(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end(),
                  "two bytes share a stand-in character: the map must be one-to-one");
    CHECK(gpt2::to_byte_symbols("Hi there\n") == "HiĠthereĊ");
}

TEST_CASE("the pre-tokenizer splits text the way GPT-2's pattern does") {
    using Pieces = std::vector<std::string>;
    const Tokenizer& t = tokenizer();
    // Hand-derived from the pattern (README step 3).
    CHECK(t.pretokenize("Hello world") == Pieces{"Hello", " world"});
    CHECK(t.pretokenize("I'm  here\n") == Pieces{"I", "'m", " ", " here", "\n"});
    CHECK(t.pretokenize("DON'T") == Pieces{"DON", "'", "T"});  // contractions are lower case only
    CHECK(t.pretokenize("123456 abc") == Pieces{"123456", " abc"});
    CHECK(t.pretokenize("x = f(1);") == Pieces{"x", " =", " f", "(", "1", ");"});
    CHECK(t.pretokenize("héllo wörld") == Pieces{"héllo", " wörld"});  // \p{L} is Unicode-aware
    CHECK(t.pretokenize("end   ") == Pieces{"end", "   "});
    CHECK(t.pretokenize("").empty());
}

TEST_CASE("merge_word applies vocab.bpe's merges lowest rank first (README step 4)") {
    const Tokenizer& t = tokenizer();
    // vocab.bpe begins "Ġ t" (rank 0), "Ġ a" (1), "h e" (2), ..., "Ġt he" (6): so " the"
    // merges Ġ+t, then h+e, then Ġt+he, into id 262.
    std::vector<gpt2::MergeStep> trace;
    std::vector<int> ids;
    try {
        ids = t.encode_word(" the", &trace);
    } catch (const gpt2::ExerciseNotDone& e) {
        FAIL(STEP4 << " [" << std::string(e.what()) << "]");
    }
    CHECK_MESSAGE(ids == std::vector<int>{262}, "\" the\" must end as the single token 262 (Ġthe)");
    REQUIRE_MESSAGE(trace.size() == 3, "expected 3 merges for \" the\", got " << trace.size()
                                           << ": record one MergeStep per merge, in order");
    CHECK(trace[0].rank == 0);
    CHECK(t.token_symbols(trace[0].merged) == "Ġt");
    CHECK(trace[1].rank == 2);
    CHECK(t.token_symbols(trace[1].merged) == "he");
    CHECK(trace[2].rank == 6);
    CHECK(trace[2].merged == 262);
    // A word of one byte has nothing to merge; an empty one gives nothing.
    CHECK(t.encode_word("a") == std::vector<int>{t.byte_token('a')});
    CHECK(t.encode_word("").empty());
}

TEST_CASE("BPE training merges the most frequent neighbouring pair first (toy corpus counted by hand)") {
    // The corpus: " low" ×5, " lower" ×2, " newest" ×6, " widest" ×3 (Sennrich et al. 2016's
    // example, each word with its leading space). Counted by hand, with Ġ for the space:
    //   round 0: (e,s) and (s,t) both occur 6 + 3 = 9 times, more than any other pair; (e,s) comes
    //            first in the text (" newest" before " widest", e before s) → e+s.
    //   round 1: (es,t) 9 → est.  Then (Ġ,l), (l,o), (o,w) 5 + 2 = 7 each; (Ġ,l) first → Ġl,
    //            then Ġl+o, Ġlo+w (7 each).  Then (Ġ,n), (n,e), (e,w), (w,est) 6 each →
    //            Ġ+n, Ġn+e, Ġne+w, Ġnew+est.  Round 9: the pairs of " widest" and (Ġlow,e),
    //            (e,r) are left; (Ġ,w) 3 is the most frequent, seen first.
    std::string corpus;
    for (const auto& [word, times] : {std::pair<const char*, int>{" low", 5}, {" lower", 2}, {" newest", 6}, {" widest", 3}})
        for (int i = 0; i < times; ++i) corpus += word;
    const std::vector<gpt2::LearnedMerge> learned = gpt2::learn_merges(corpus, 10);
    const struct {
        const char *left, *right;
        int count;
    } expected[] = {{"e", "s", 9},   {"es", "t", 9},  {" ", "l", 7},  {" l", "o", 7},    {" lo", "w", 7},
                    {" ", "n", 6},   {" n", "e", 6},  {" ne", "w", 6}, {" new", "est", 6}, {" ", "w", 3}};
    INFO("learn_merges, chapters/01_tokenizer/README.md, step 4 (where the merges come from)");
    REQUIRE_MESSAGE(learned.size() == 10, "10 merges asked for, " << learned.size() << " learned");
    for (int i = 0; i < 10; ++i)
        CHECK_MESSAGE((learned[i].left == expected[i].left && learned[i].right == expected[i].right &&
                       learned[i].count == expected[i].count),
                      "merge " << i << ": got '" << learned[i].left << "' + '" << learned[i].right << "' ("
                               << learned[i].count << " times), by hand '" << expected[i].left << "' + '"
                               << expected[i].right << "' (" << expected[i].count << " times)");
    // Two pre-tokens of one symbol each leave nothing to merge: training stops early.
    CHECK(gpt2::learn_merges(" ab ab", 5).size() == 2);
    CHECK(gpt2::learn_merges("", 5).empty());
}

TEST_CASE("merge_word merges a repeated pair left to right, as GPT-2's encoder.py does") {
    const Tokenizer& t = tokenizer();
    // Every token of the vocabulary must come back as itself from its own bytes, and runs of
    // one letter must match gpt-tokenizer (the long_word case below checks the ids).
    int not_reproduced = 0, first_bad = -1;
    try {
        for (int id = 0; id < Tokenizer::END_OF_TEXT; ++id) {
            const std::vector<int> ids = t.encode_word(t.token_bytes(id));
            if (ids.size() != 1 || ids[0] != id) {
                if (first_bad < 0) first_bad = id;
                ++not_reproduced;
            }
        }
    } catch (const gpt2::ExerciseNotDone& e) {
        FAIL(STEP4 << " [" << std::string(e.what()) << "]");
    }
    CHECK_MESSAGE(not_reproduced == 0, not_reproduced << " vocabulary tokens do not encode to themselves, e.g. id "
                                                      << first_bad << ": check the order of merges in step 4");
    CHECK(t.decode(encode("aaaa")) == "aaaa");
}

TEST_CASE("encode gives the same ids as an independent tokenizer (gpt-tokenizer r50k_base) on every case") {
    const nlohmann::json& ref = reference();
    INFO("reference: " << ref["generator"].dump() << " (tests/reference/tokenizer/expected_ids.json)");
    int checked = 0;
    for (const nlohmann::json& item : ref["cases"]) {
        const std::string name = item["name"], text = item["text"];
        const std::vector<int> expected = item["ids"];
        const std::vector<int> got = encode(text, item["allow_special"].get<bool>());
        const std::string diff = difference(got, expected);
        CHECK_MESSAGE(diff.empty(), "case " << name << " \"" << gpt2::printable(text).substr(0, 80) << "\": " << diff
                                            << " — compare the pre-tokens (step 3) first, then the merges (step 4)");
        ++checked;
    }
    CHECK(checked >= 300);
}

TEST_CASE("white space that regex engines disagree on is split as GPT-2's own engine splits it") {
    const nlohmann::json ref = nlohmann::json::parse(read_file(reference_dir() + "/expected_ids_original.json"));
    INFO("reference: " << ref["generator"].dump() << " (tests/reference/tokenizer/expected_ids_original.json)");
    for (const nlohmann::json& item : ref["cases"]) {
        const std::string text = item["text"];
        const std::vector<int> expected = item["ids"];
        const std::string diff = difference(encode(text), expected);
        CHECK_MESSAGE(diff.empty(), "case " << item["name"].get<std::string>() << " \"" << gpt2::printable(text)
                                            << "\": " << diff << " — \\s must mean Unicode's White_Space (step 3)");
    }
}

TEST_CASE("encode is byte-exact on a long real document (the GPL-3 text, 35 kB)") {
    for (const nlohmann::json& doc : reference()["documents"]) {
        const std::string text = read_file(reference_dir() + "/" + doc["file"].get<std::string>());
        REQUIRE(text.size() == doc["bytes"].get<std::size_t>());
        const std::vector<int> expected = doc["ids"];
        const std::vector<int> got = encode(text);
        const std::string diff = difference(got, expected);
        CHECK_MESSAGE(diff.empty(), doc["file"].get<std::string>() << ": " << diff);
        CHECK(tokenizer().decode(got) == text);
    }
}

TEST_CASE("decode gives back the exact bytes of every reference case") {
    for (const nlohmann::json& item : reference()["cases"]) {
        const std::string text = item["text"];
        const std::vector<int> ids = item["ids"];
        CHECK_MESSAGE(tokenizer().decode(ids) == text, "case " << item["name"].get<std::string>());
    }
    CHECK(tokenizer().decode({15496, 995}) == "Hello world");
    CHECK(tokenizer().decode({}).empty());
}

TEST_CASE("decode(encode(x)) == x for 3000 generated UTF-8 strings from every Unicode plane") {
    std::mt19937 rng(12345);  // fixed seed: a failure names the case, rerun shows the same one
    const auto pick = [&](std::uint32_t lo, std::uint32_t hi) {
        return std::uniform_int_distribution<std::uint32_t>(lo, hi)(rng);
    };
    const char32_t spaces[] = {' ', '\t', '\n', '\r', 0x0B, 0x0C, 0x85, 0xA0, 0x2028, 0x3000, 0x180E, 0xFEFF};
    for (int n = 0; n < 3000; ++n) {
        std::string text;
        const std::uint32_t length = pick(0, 40);
        for (std::uint32_t i = 0; i < length; ++i) {
            char32_t cp = 0;
            switch (pick(0, 7)) {
                case 0: cp = pick(0x20, 0x7E); break;                          // ASCII
                case 1: cp = spaces[pick(0, sizeof spaces / sizeof spaces[0] - 1)]; break;
                case 2: cp = pick(0x00, 0x7FF); break;                          // incl. controls
                case 3: cp = pick(0x800, 0xD7FF); break;                        // BMP below surrogates
                case 4: cp = pick(0xE000, 0xFFFF); break;                       // BMP above them
                case 5: cp = pick(0x10000, 0x1FFFF); break;                     // plane 1: emoji...
                case 6: cp = pick(0x20000, 0x10FFFF); break;                    // planes 2..16
                default: cp = "'sStld1 "[pick(0, 7)]; break;                    // contraction bits
            }
            gpt2::append_utf8(text, cp);
        }
        REQUIRE(gpt2::find_invalid_utf8(text) == std::string::npos);
        const std::vector<int> ids = encode(text);
        std::string joined;
        for (const std::string& piece : tokenizer().pretokenize(text)) joined += piece;
        CHECK_MESSAGE(joined == text, "case " << n << ": the pre-tokens do not add up to the text (step 3)");
        CHECK_MESSAGE(tokenizer().decode(ids) == text,
                      "case " << n << ": decode(encode(x)) != x for x = \"" << gpt2::printable(text) << "\"");
    }
}

TEST_CASE("<|endoftext|> is ordinary text unless special tokens are allowed") {
    const std::vector<int> as_text = encode("a<|endoftext|>b");
    CHECK(std::find(as_text.begin(), as_text.end(), Tokenizer::END_OF_TEXT) == as_text.end());
    CHECK(encode("a<|endoftext|>b", true) == std::vector<int>{64, Tokenizer::END_OF_TEXT, 65});
    CHECK(encode("<|endoftext|>", true) == std::vector<int>{Tokenizer::END_OF_TEXT});
    CHECK(tokenizer().decode({Tokenizer::END_OF_TEXT}) == "<|endoftext|>");
}

TEST_CASE("a token that ends mid-character decodes to raw bytes, and the pieces join back") {
    const std::vector<int> ids = encode("🙂");  // 4 bytes, more than one token
    REQUIRE(ids.size() >= 2);
    const std::string first = tokenizer().decode({ids[0]});
    CHECK(gpt2::find_invalid_utf8(first) != std::string::npos);  // half a character
    std::string joined;
    for (int id : ids) joined += tokenizer().decode({id});
    CHECK(joined == "🙂");
}

TEST_CASE("invalid UTF-8 is rejected with the byte offset of the first bad byte") {
    const struct {
        const char* what;
        std::string text;
        std::size_t offset;
    } cases[] = {
        {"a byte that never appears in UTF-8", "abc\xff", 3},
        {"a lone continuation byte", "\x80", 0},
        {"a character cut short at the end", "ok \xc3", 3},
        {"an overlong '/'", "\xc0\xaf", 0},
        {"a UTF-16 surrogate", "x\xed\xa0\x80", 1},
        {"a code point past U+10FFFF", "\xf4\x90\x80\x80", 0},
        {"a bad byte after valid text", "héllo\xe2\x82", 6},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        CHECK(gpt2::find_invalid_utf8(c.text) == c.offset);
        const std::string error = error_of([&] { tokenizer().encode(c.text); });
        CHECK(error.find("byte offset " + std::to_string(c.offset)) != std::string::npos);
        CHECK(error.find('\n') == std::string::npos);
    }
    CHECK(gpt2::find_invalid_utf8("plain ASCII, é, 你好, 🙂") == std::string::npos);
}

TEST_CASE("decode rejects ids outside the vocabulary with one clear line") {
    const std::string too_big = error_of([] { tokenizer().decode({15496, 50257}); });
    CHECK(too_big.find("50257") != std::string::npos);
    CHECK(too_big.find("position 2") != std::string::npos);
    CHECK(too_big.find("0 to 50256") != std::string::npos);
    CHECK(!error_of([] { tokenizer().decode({-1}); }).empty());
}

TEST_CASE("missing or damaged tokenizer files give one line naming the file and what to do") {
    const ScratchVocab scratch;
    const std::string encoder = read_file((scratch.dir / "encoder.json").string());
    const std::string merges = read_file((scratch.dir / "vocab.bpe").string());
    const auto check_error = [&](const std::string& what, const std::string& file, const std::string& detail) {
        const std::string error = scratch.load_error();
        INFO(what << ": got \"" << error << "\"");
        CHECK(error.find(file) != std::string::npos);
        CHECK(error.find(detail) != std::string::npos);
        CHECK(error.find("make setup") != std::string::npos);
        CHECK(error.find('\n') == std::string::npos);
    };
    CHECK(scratch.load_error().empty());  // the copy itself is fine

    scratch.write("encoder.json", encoder.substr(0, 5000));
    check_error("truncated encoder.json", "encoder.json", "not valid JSON at byte");
    scratch.write("encoder.json", "[1, 2, 3]");
    check_error("encoder.json is an array", "encoder.json", "JSON object");
    scratch.write("encoder.json", "{\"a\": \"x\"}");
    check_error("encoder.json has a string id", "encoder.json", "got a string");
    scratch.write("encoder.json", encoder);

    scratch.write("vocab.bpe", merges.substr(0, merges.size() / 2));
    check_error("vocab.bpe cut in half", "vocab.bpe", "");
    scratch.write("vocab.bpe", "#version: 0.2\nĠ t\nthis line is wrong\n");
    check_error("a line with three words", "vocab.bpe", "line 3");
    scratch.write("vocab.bpe", "#version: 0.2\nĠ t\nĠ xyzzy\n");
    check_error("a token encoder.json lacks", "vocab.bpe", "line 3");
    scratch.write("vocab.bpe", "Ġ t\n");
    check_error("no header", "vocab.bpe", "line 1");
    scratch.write("vocab.bpe", merges);

    std::filesystem::remove(scratch.dir / "encoder.json");
    check_error("missing encoder.json", "encoder.json", "cannot read");
}

TEST_CASE("a 64 kB word with no spaces encodes in well under a second of CPU time (README step 4)") {
    std::mt19937 rng(7);
    std::string letters;  // one pre-token of 64,000 random letters: the worst case for BPE
    for (int i = 0; i < 64000; ++i) letters += static_cast<char>('a' + rng() % 26);
    tokenizer().clear_cache();
    const double cpu_start = thread_cpu_seconds();
    const std::vector<int> ids = encode(letters);
    const double cpu = thread_cpu_seconds() - cpu_start;
    CHECK(tokenizer().decode(ids) == letters);
    // The priority-queue loop needs ~0.03 s here; rescanning the word after every merge
    // (the simple loop) needs seconds, and a 1 MB line would need hours.
    CHECK_MESSAGE(cpu < 1.0, "the 64 kB word took " << cpu << " s of CPU time: the merge loop rescans the word "
                                 "after every merge; step 4 shows the priority queue that avoids it");
}

TEST_CASE("a megabyte of spaces and a megabyte of punctuation are split without trouble") {
    const std::string spaces(1000000, ' ');
    const std::string symbols(1000000, '!');
    gpt2::Stopwatch clock;
    CHECK(tokenizer().decode(encode(spaces + "x")) == spaces + "x");
    CHECK(tokenizer().decode(encode(symbols)) == symbols);
    CHECK_MESSAGE(clock.seconds() < 20.0, "2 MB of one repeated character took " << clock.seconds() << " s");
}

}  // TEST_SUITE
