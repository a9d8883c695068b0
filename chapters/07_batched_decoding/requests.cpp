#include "07_batched_decoding/requests.hpp"

#include "common/errors.hpp"
#include "common/files.hpp"
#include "common/json_out.hpp"

#include <algorithm>
#include <limits>

namespace gpt2 {

namespace {

constexpr std::size_t kMaxRequests = 100000;
constexpr std::uint64_t kMaxFileBytes = 64ULL << 20;
constexpr int kMaxNewTokensLimit = 1000000;

// One request line, checked key by key; every error names "where:line".
Request parse_line(const std::string& line, const std::string& at, int index, const RequestDefaults& defaults,
                   const Gpt2Config& config, const Tokenizer* tokenizer) {
    Json object;
    try {
        object = Json::parse(line);
    } catch (const Json::parse_error& e) {
        throw UserError(at + ": not valid JSON (at byte " + std::to_string(e.byte) +
                        " of the line); write one object per line, e.g. {\"prompt\": \"Hello\"}");
    } catch (const Json::exception& e) {
        throw UserError(at + ": unusable JSON (" + std::string(e.what()) + ")");
    }
    if (!object.is_object())
        throw UserError(at + ": a request must be a JSON object like {\"prompt\": \"Hello\"}, found " +
                        std::string(object.type_name()));
    for (const auto& item : object.items())
        if (item.key() != "prompt" && item.key() != "prompt_ids" && item.key() != "max_new_tokens" && item.key() != "seed")
            throw UserError(at + ": unknown key " + Json(item.key().substr(0, 40)).dump() +
                            "; a request has \"prompt\" or \"prompt_ids\", and optionally \"max_new_tokens\" and \"seed\"");

    Request request;
    request.index = index;
    const bool has_text = object.contains("prompt"), has_ids = object.contains("prompt_ids");
    if (has_text == has_ids)
        throw UserError(at + (has_text ? ": has both \"prompt\" and \"prompt_ids\"; give one of them"
                                       : ": needs \"prompt\" (text) or \"prompt_ids\" (a list of token ids)"));
    if (has_text) {
        const Json& text = object["prompt"];
        if (!text.is_string()) throw UserError(at + ": \"prompt\" must be a string of text");
        if (!tokenizer)
            throw UserError(at + ": a text prompt needs the tokenizer files (run `make setup`), or give \"prompt_ids\"");
        request.prompt_ids = tokenizer->encode(text.get<std::string>());
    } else {
        const Json& ids = object["prompt_ids"];
        if (!ids.is_array()) throw UserError(at + ": \"prompt_ids\" must be a list of token ids, e.g. [464, 3290]");
        if (ids.size() > static_cast<std::size_t>(config.n_positions))
            throw UserError(at + ": the prompt has " + std::to_string(ids.size()) + " ids, more than the model's " +
                            std::to_string(config.n_positions) + "-token window; shorten it");
        for (std::size_t i = 0; i < ids.size(); ++i) {
            const Json& id = ids[i];
            if (!id.is_number_integer() || id.get<long long>() < 0 || id.get<long long>() >= config.vocab_size)
                throw UserError(at + ": prompt_ids[" + std::to_string(i) + "] = " + id.dump().substr(0, 40) +
                                " is not a token id in [0, " + std::to_string(config.vocab_size) + ")");
            request.prompt_ids.push_back(id.get<int>());
        }
    }
    if (request.prompt_ids.empty())
        throw UserError(at + ": the prompt is empty; the model needs at least one token to continue");
    if (request.prompt_ids.size() > static_cast<std::size_t>(config.n_positions))
        throw UserError(at + ": the prompt has " + std::to_string(request.prompt_ids.size()) +
                        " tokens, more than the model's " + std::to_string(config.n_positions) +
                        "-token window; shorten it");

    request.max_new_tokens = defaults.max_new_tokens;
    if (object.contains("max_new_tokens")) {
        const Json& n = object["max_new_tokens"];
        if (!n.is_number_integer() || n.get<long long>() < 0 || n.get<long long>() > kMaxNewTokensLimit)
            throw UserError(at + ": \"max_new_tokens\" must be a whole number from 0 to " +
                            std::to_string(kMaxNewTokensLimit) + ", found " + n.dump().substr(0, 40));
        request.max_new_tokens = n.get<int>();
    }
    request.seed = defaults.seed + static_cast<std::uint64_t>(index);
    if (object.contains("seed")) {
        const Json& seed = object["seed"];
        if (!seed.is_number_unsigned())  // the parser stores every whole number >= 0 as unsigned
            throw UserError(at + ": \"seed\" must be a whole number >= 0, found " + seed.dump().substr(0, 40));
        request.seed = seed.get<std::uint64_t>();
    }
    return request;
}

}  // namespace

std::vector<Request> parse_requests(const std::string& text, const std::string& where, const RequestDefaults& defaults,
                                    const Gpt2Config& config, const Tokenizer* tokenizer) {
    std::vector<Request> requests;
    std::size_t start = 0;
    for (int line_number = 1; start < text.size(); ++line_number) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        start = end + 1;
        if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF files
        if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank lines do not count
        if (requests.size() == kMaxRequests)
            throw UserError(where + ": more than " + std::to_string(kMaxRequests) + " requests; split the file");
        const std::string at = where + ":" + std::to_string(line_number);
        requests.push_back(parse_line(line, at, static_cast<int>(requests.size()), defaults, config, tokenizer));
    }
    if (requests.empty())
        throw UserError(where + ": holds no requests; write one JSON object per line, e.g. {\"prompt\": \"Hello\"}");
    return requests;
}

std::vector<Request> read_requests(const std::string& path, const RequestDefaults& defaults, const Gpt2Config& config,
                                   const Tokenizer* tokenizer) {
    const std::string text =
        read_file_bytes(path, kMaxFileBytes, "give a JSON Lines file, one request per line", "--requests");
    return parse_requests(text, path == "-" ? "<stdin>" : path, defaults, config, tokenizer);
}

std::vector<Request> builtin_requests(const RequestDefaults& defaults, const Gpt2Config& config,
                                      const Tokenizer& tokenizer) {
    // Prompts of different lengths, and limits of different lengths: the sequences start at
    // different positions and finish at different steps.
    const std::vector<std::pair<std::string, int>> prompts = {
        {"The state of the Union is", 24},
        {"Fellow-Citizens of the Senate and House of Representatives: It is with great pleasure that I", 40},
        {"We must", 12},
        {"In the year that has passed since I last addressed you, the Nation has", 32},
        {"Peace", 48},
        {"The Congress of the United States", 16},
    };
    std::vector<Request> requests;
    for (const auto& [text, new_tokens] : prompts) {
        Request r;
        r.index = static_cast<int>(requests.size());
        r.prompt_ids = tokenizer.encode(text);
        if (static_cast<int>(r.prompt_ids.size()) > config.n_positions) r.prompt_ids.resize(config.n_positions);
        r.max_new_tokens = new_tokens;
        r.seed = defaults.seed + static_cast<std::uint64_t>(r.index);
        requests.push_back(std::move(r));
    }
    return requests;
}

long long most_new_tokens(const std::vector<Request>& requests, int n_positions) {
    long long most = 0;
    for (const Request& r : requests)
        most += std::min<long long>(r.max_new_tokens, n_positions + 1 - static_cast<long long>(r.prompt_ids.size()));
    return most;
}

}  // namespace gpt2
