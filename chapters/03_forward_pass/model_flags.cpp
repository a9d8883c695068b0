#include "03_forward_pass/model_flags.hpp"

#include "common/errors.hpp"
#include "common/paths.hpp"
#include "common/timing.hpp"
#include "01_tokenizer/tokenizer.hpp"

#include <cstdio>
#include <string>

namespace gpt2 {

ModelFlags::ModelFlags() : model(default_model_arg()), vocab_dir(default_vocab_dir()) {}

void add_model_flags(CliParser& cli, ModelFlags& flags) {
    cli.option("-m,--model", flags.model, "PATH|mini|random",
               "model folder (config.json + model.safetensors), its .safetensors file, 'mini' (the small "
               "model trained here, data/mini) or 'random' (GPT-2 124M's shapes, random weights) "
               "(default: " + flags.model + ")");
    cli.option("-p,--prompt", flags.prompt, "TEXT", "the prompt (default: \"" + flags.prompt + "\")");
    cli.option("--prompt-ids", flags.prompt_ids, "IDS", "the prompt as token ids instead of text, e.g. \"15496 995\"");
    cli.option("-t,--threads", flags.threads, "N", "OpenBLAS threads (default: OpenBLAS's choice)", 0, 1024);
    cli.flag("--json", flags.json, "print one JSON object on stdout instead of the report");
    cli.option("--vocab-dir", flags.vocab_dir, "DIR", "tokenizer files encoder.json + vocab.bpe (default: " +
               shown_path(flags.vocab_dir) + ")");
    cli.excludes("--prompt", "--prompt-ids", "--prompt and --prompt-ids were both given; pass the prompt one way only");
}

void apply_model_flags(const CliParser& cli, ModelFlags& flags) {
    flags.prompt_given = cli.given("--prompt");
    flags.prompt_ids_given = cli.given("--prompt-ids");
    if (flags.threads > 0) set_blas_threads(flags.threads);
}

void check_prompt_ids(const std::vector<int>& ids, int vocab_size, int max_tokens, const std::string& flag) {
    if (ids.empty()) throw UserError(flag + ": the prompt is empty; give at least one token");
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] < 0 || ids[i] >= vocab_size)
            throw UserError(flag + ": token " + std::to_string(i) + " is id " + std::to_string(ids[i]) +
                            ", outside this model's vocabulary [0, " + std::to_string(vocab_size) + ")" +
                            (flag == "--prompt" ? "; for a tiny test model pass small ids with --prompt-ids" : ""));
    }
    if (static_cast<long long>(ids.size()) > max_tokens)
        throw UserError(flag + ": the prompt is " + std::to_string(ids.size()) + " tokens, longer than the " +
                        std::to_string(max_tokens) + "-token context window; shorten it");
}

std::vector<int> parse_prompt_ids(const std::string& text, int vocab_size, int max_tokens, const std::string& flag) {
    std::vector<int> ids;
    for (long long id : parse_integer_list(text, flag, "id", 0, vocab_size - 1, static_cast<std::size_t>(max_tokens),
                                           "that is longer than the context window; shorten the prompt"))
        ids.push_back(static_cast<int>(id));
    check_prompt_ids(ids, vocab_size, max_tokens, flag);
    return ids;
}

std::vector<int> resolve_prompt(const ModelFlags& flags, const Gpt2Config& config, const Tokenizer& tokenizer) {
    if (flags.prompt_ids_given) return parse_prompt_ids(flags.prompt_ids, config.vocab_size, config.n_positions);
    if (flags.prompt.empty()) throw UserError("--prompt: the prompt is empty; give some text");
    std::vector<int> ids = tokenizer.encode(flags.prompt);
    check_prompt_ids(ids, config.vocab_size, config.n_positions, "--prompt");
    return ids;
}

std::vector<int> resolve_prompt(const ModelFlags& flags, const Gpt2Config& config) {
    if (flags.prompt_ids_given) return parse_prompt_ids(flags.prompt_ids, config.vocab_size, config.n_positions);
    if (flags.prompt.empty()) throw UserError("--prompt: the prompt is empty; give some text");
    return resolve_prompt(flags, config, Tokenizer::load(flags.vocab_dir));
}

void print_model_notice(const std::string& source, bool is_random) {
    if (!is_random && source != "mini") return;
    std::fflush(stdout);
    std::fprintf(stderr, "%s\n", (is_random ? random_model_notice() : mini_model_notice()).c_str());
}

Gpt2Weights load_model(const ModelFlags& flags) {
    Gpt2Weights weights = load_gpt2(flags.model);
    print_model_notice(weights.source, weights.is_random);
    return weights;
}

std::optional<Tokenizer> load_tokenizer_if_possible(const ModelFlags& flags, bool text_prompt_needed) {
    std::optional<Tokenizer> tokenizer;
    try {
        tokenizer.emplace(Tokenizer::load(flags.vocab_dir));
    } catch (const UserError& e) {
        if (!flags.prompt_ids_given && (text_prompt_needed || flags.prompt_given)) throw;
        std::fprintf(stderr, "warning: %s; printing token ids instead of text\n", e.what());
    }
    return tokenizer;
}

std::vector<int> prompt_ids(const ModelFlags& flags, const Gpt2Config& config, const std::optional<Tokenizer>& tokenizer) {
    return tokenizer ? resolve_prompt(flags, config, *tokenizer) : resolve_prompt(flags, config);
}

}  // namespace gpt2
