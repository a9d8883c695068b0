#include "04_naive_decode/generation_flags.hpp"

#include "common/report.hpp"

namespace gpt2 {

void add_generation_flags(CliParser& cli, GenerationFlags& flags) {
    cli.option("-n,--max-new-tokens", flags.max_new_tokens, "N",
               format("tokens to generate at most (default: %d)", flags.max_new_tokens), 0, 1000000);
    cli.flag("--greedy", flags.greedy, "always take the most likely token (same as --temperature 0)");
    cli.option("--temperature", flags.temperature, "T",
               format("divide the logits by T before sampling; 0 = greedy (default: %g)", flags.temperature), 0.0,
               1e6);
    cli.option("--top-k", flags.top_k, "K",
               format("sample among the K most likely tokens; 0 = all (default: %d)", flags.top_k), 0, 1000000000);
    cli.option("--top-p", flags.top_p, "P",
               format("sample among the most likely tokens whose probability reaches P, in (0, 1]; 1 = all "
                      "(default: %g)",
                      flags.top_p),
               0.0, 1.0, true);
    cli.option("-s,--seed", flags.seed, "N",
               format("random seed: the same seed gives the same tokens, in chapter 04 and 05 alike (default: %lld)",
                      flags.seed),
               0, 9223372036854775807LL);
    cli.flag("--ignore-eos", flags.ignore_eos, "keep generating after <|endoftext|> (id 50256)");
}

void add_decoding_flags(CliParser& cli, ModelFlags& model, GenerationFlags& generation, const std::string& sample_prompt,
                        int default_new_tokens) {
    model.prompt = sample_prompt;
    generation.max_new_tokens = default_new_tokens;
    add_model_flags(cli, model);
    add_generation_flags(cli, generation);
}

std::string sampling_defaults_line() {
    return "Sampling defaults: " + SamplingSettings().describe() + " (as in common tools).";
}

GenerationOptions generation_options(const GenerationFlags& flags) {
    GenerationOptions options;
    options.max_new_tokens = flags.max_new_tokens;
    options.sampling.temperature = flags.greedy ? 0.0 : flags.temperature;
    options.sampling.top_k = flags.top_k;
    options.sampling.top_p = flags.top_p;
    options.sampling.seed = static_cast<std::uint64_t>(flags.seed);
    options.sampling.validate();
    options.stop_at_end_of_text = !flags.ignore_eos;
    return options;
}

}  // namespace gpt2
