#include "07_batched_decoding/options.hpp"

#include "common/errors.hpp"
#include "common/paths.hpp"

namespace chapter07 {

void add_serving_flags(gpt2::CliParser& cli, ServingFlags& flags, const std::string& bench_help) {
    gpt2::add_decoding_flags(cli, flags.model, flags.generation, "", 32);
    cli.option("--requests", flags.requests, "FILE",
               "JSON Lines, one request per line: {\"prompt\": \"...\"} or {\"prompt_ids\": [..]}, optionally with "
               "\"max_new_tokens\" and \"seed\" (default seed: --seed + the request's index); - reads stdin");
    cli.option("--batch", flags.batch, "B",
               "at most B sequences decode together (default: " + std::to_string(flags.batch) + ")", 1, 128);
    cli.flag("--verify", flags.verify, "run every request alone too (chapter 05's cached decoding); compare tokens and logits");
    cli.flag("--bench", flags.bench, bench_help);
    cli.option("--out-dir", flags.out_dir, "DIR", "where --bench writes its CSV and plot (default: build/out)");
    cli.flag("--force", flags.force, "let --bench replace files this tutorial did not write");
    cli.excludes("--requests", "--prompt", "--requests, --prompt and --prompt-ids each give the requests; give one");
    cli.excludes("--requests", "--prompt-ids", "--requests, --prompt and --prompt-ids each give the requests; give one");
    cli.excludes("--verify", "--bench", "--verify and --bench are separate runs; give one of them");
    cli.excludes("--bench", "--requests", "--bench serves its own mixed workload; drop --requests");
}

void apply_serving_flags(const gpt2::CliParser& cli, ServingFlags& flags) {
    gpt2::apply_model_flags(cli, flags.model);
    flags.new_tokens_given = cli.given("--max-new-tokens");
    flags.batch_given = cli.given("--batch");
    // --bench measures GPT-2 124M's cost: without --model it times data/gpt2 or the random
    // 124M-shaped model, never the small trained one (its point is text, not cost).
    if (flags.bench && !cli.given("--model")) flags.model.model = gpt2::default_benchmark_model_arg();
}

std::vector<gpt2::Request> requests_from_flags(const ServingFlags& flags, const gpt2::Gpt2Config& config,
                                               const gpt2::GenerationOptions& generation,
                                               const std::optional<gpt2::Tokenizer>& tokenizer) {
    const gpt2::RequestDefaults defaults{generation.max_new_tokens, generation.sampling.seed};
    if (!flags.requests.empty())
        return gpt2::read_requests(flags.requests, defaults, config, tokenizer ? &*tokenizer : nullptr);
    if (flags.model.prompt_given || flags.model.prompt_ids_given) {
        gpt2::Request one;  // index 0: its seed is --seed itself, as in chapter 05
        one.prompt_ids = gpt2::prompt_ids(flags.model, config, tokenizer);
        one.max_new_tokens = defaults.max_new_tokens;
        one.seed = defaults.seed;
        return {one};
    }
    std::vector<gpt2::Request> builtin = gpt2::builtin_requests(defaults, config, *tokenizer);
    if (flags.new_tokens_given)
        for (gpt2::Request& r : builtin) r.max_new_tokens = defaults.max_new_tokens;
    return builtin;
}

bool parse_flags(int argc, char** argv, Flags& flags) {
    gpt2::CliParser cli("chapter07", "Batched decoding: many sequences per step, one weight read for all of them.");
    add_serving_flags(cli, flags,
                      "tokens/s at every batch size against the roofline, and static vs continuous batching "
                      "(GPT-2 124M's shapes)");
    cli.option("--batching", flags.batching, "continuous|static",
               "continuous: a finished sequence's slot takes the next request at once (default); static: a batch "
               "runs until its longest member finishes",
               {"continuous", "static"});
    cli.option("--bench-batches", flags.bench_batches, "\"B B ...\"",
               "batch sizes --bench measures (default: \"" + flags.bench_batches + "\")");
    cli.needs("--bench-batches", "--bench", "--bench-batches only applies to --bench; add --bench, or drop it");
    cli.epilog(gpt2::sampling_defaults_line() +
               "\nWithout --requests, -p or --prompt-ids: six built-in prompts of different lengths, each with its own "
               "limit of new tokens (-n replaces those limits).\n"
               "Examples:\n"
               "  ./chapter07                               the built-in queue, 4 at a time\n"
               "  ./chapter07 --batch 2 --batching static   the same queue, a batch at a time\n"
               "  ./chapter07 --requests my.jsonl --json    your requests; one JSON object out\n"
               "  ./chapter07 --verify                      each request against its solo run (chapter 05)\n"
               "  ./chapter07 --bench                       the roofline, measured (a few minutes)");
    if (!cli.parse(argc, argv)) return false;
    apply_serving_flags(cli, flags);
    return true;
}

}  // namespace chapter07
