// Checks for chapter 07's request reader (JSON Lines from a file the user gives): every
// well-formed line becomes a request with the documented defaults, and every mistake is one
// line naming the file, the line and what is wrong. It reads untrusted input, so this suite
// also runs under AddressSanitizer (make sanitize SANITIZE=inputs) and has a fuzz target.
#include "07_batched_decoding/requests.hpp"
#include "common/paths.hpp"
#include "user_error_of.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

using namespace gpt2;

namespace {

Gpt2Config small_config() {
    Gpt2Config c;
    c.n_layer = 1;
    c.n_head = 1;
    c.n_embd = 8;
    c.n_positions = 8;
    c.vocab_size = 100;
    return c;
}

const RequestDefaults kDefaults{20, 1000};

}  // namespace

TEST_SUITE("ch07_batched_decoding") {

TEST_CASE("a requests file gives one request per line, with -n and --seed + index as defaults") {
    const std::string text =
        "{\"prompt_ids\": [1, 2, 3]}\n"
        "\n"                                                      // blank lines do not count
        "{\"prompt_ids\": [4], \"max_new_tokens\": 5, \"seed\": 7}\r\n"  // CRLF
        "  {\"prompt_ids\": [99, 0], \"max_new_tokens\": 0}  \n";
    const std::vector<Request> r = parse_requests(text, "q.jsonl", kDefaults, small_config(), nullptr);
    REQUIRE(r.size() == 3);
    CHECK(r[0].index == 0);
    CHECK(r[0].prompt_ids == std::vector<int>{1, 2, 3});
    CHECK(r[0].max_new_tokens == 20);  // -n
    CHECK(r[0].seed == 1000);          // --seed + 0
    CHECK(r[1].index == 1);
    CHECK(r[1].max_new_tokens == 5);
    CHECK(r[1].seed == 7);
    CHECK(r[2].index == 2);
    CHECK(r[2].seed == 1002);  // --seed + 2: the blank line is not a request
    CHECK(r[2].max_new_tokens == 0);
}

TEST_CASE("a text prompt is tokenized by chapter 01's tokenizer") {
    std::optional<Tokenizer> tokenizer;
    try {
        tokenizer.emplace(Tokenizer::load(default_vocab_dir()));
    } catch (const UserError&) {
        MESSAGE("skipped: the tokenizer files are missing (make setup fetches them)");
        return;
    }
    Gpt2Config c = small_config();
    c.vocab_size = 50257;
    c.n_positions = 64;
    const std::vector<Request> r = parse_requests("{\"prompt\": \"The dog\"}", "q", kDefaults, c, &*tokenizer);
    CHECK(r.at(0).prompt_ids == std::vector<int>{464, 3290});  // GPT-2's ids, as in FACTS of HF's own test
}

TEST_CASE("every malformed request line is refused with its line number and what is wrong") {
    struct Case {
        const char* what;
        std::string text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"not JSON", "{\"prompt_ids\": [1]}\n{\"prompt_ids\": [1,", "q.jsonl:2: not valid JSON"},
        {"not an object", "[1, 2]", "q.jsonl:1: a request must be a JSON object"},
        {"neither prompt", "{\"seed\": 3}", "q.jsonl:1: needs \"prompt\""},
        {"both prompts", "{\"prompt\": \"a\", \"prompt_ids\": [1]}", "has both"},
        {"unknown key", "{\"prompt_ids\": [1], \"max_tokens\": 3}", "unknown key \"max_tokens\""},
        {"empty prompt ids", "{\"prompt_ids\": []}", "q.jsonl:1: the prompt is empty"},
        {"ids not a list", "{\"prompt_ids\": 5}", "must be a list of token ids"},
        {"id out of range", "{\"prompt_ids\": [1, 100]}", "prompt_ids[1] = 100 is not a token id in [0, 100)"},
        {"negative id", "{\"prompt_ids\": [-1]}", "prompt_ids[0] = -1"},
        {"fractional id", "{\"prompt_ids\": [1.5]}", "prompt_ids[0] = 1.5"},
        {"prompt longer than the window", "{\"prompt_ids\": [1,2,3,4,5,6,7,8,9]}", "more than the model's 8-token window"},
        {"negative max_new_tokens", "{\"prompt_ids\": [1], \"max_new_tokens\": -1}", "\"max_new_tokens\" must be"},
        {"huge max_new_tokens", "{\"prompt_ids\": [1], \"max_new_tokens\": 1e12}", "\"max_new_tokens\" must be"},
        {"negative seed", "{\"prompt_ids\": [1], \"seed\": -4}", "\"seed\" must be a whole number >= 0"},
        {"text seed", "{\"prompt_ids\": [1], \"seed\": \"7\"}", "\"seed\" must be"},
        {"text without a tokenizer", "{\"prompt\": \"Hello\"}", "needs the tokenizer files"},
        {"prompt not text", "{\"prompt\": 12}", "\"prompt\" must be a string"},
        {"no requests", "\n  \n", "q.jsonl: holds no requests"},
        {"invalid UTF-8", "{\"prompt\": \"\xff\"}", "q.jsonl:1: not valid JSON"},
    };
    for (const Case& c : cases) {
        const std::string message =
            user_error_of([&] { parse_requests(c.text, "q.jsonl", kDefaults, small_config(), nullptr); });
        INFO("case: " << c.what << "; message: " << message);
        CHECK(message.find(c.expected) != std::string::npos);
        CHECK(message.find('\n') == std::string::npos);
    }
}

TEST_CASE("a missing requests file says which flag and what to give") {
    const std::string message = user_error_of(
        [] { read_requests("/nonexistent/requests.jsonl", kDefaults, small_config(), nullptr); });
    CHECK(message.find("--requests") != std::string::npos);
    CHECK(message.find("/nonexistent/requests.jsonl") != std::string::npos);
}

}  // TEST_SUITE
