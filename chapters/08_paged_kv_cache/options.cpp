#include "08_paged_kv_cache/options.hpp"

namespace chapter08 {

bool parse_flags(int argc, char** argv, Flags& flags) {
    gpt2::CliParser cli("chapter08", "The paged KV cache: blocks from one pool, block tables, shared prompts.");
    chapter07::add_serving_flags(cli, flags,
                                 "paged vs contiguous decode time, block sizes, waste and admitted requests under "
                                 "one budget, and sharing (GPT-2 124M's shapes)");
    cli.option("--block-size", flags.block_size, "S", "tokens per block (default: 16)", 1, 65536);
    cli.option("--cache-mib", flags.cache_mib, "M",
               "memory of the block pool, in MiB (default: 256; --bench's workload: 2,304 tokens' worth)", 1, 1 << 20);
    cli.option("--samples", flags.samples, "K",
               "K continuations of every request, sharing its prompt's blocks (default: 1; sample k uses the "
               "request's seed + k)",
               1, 128);
    cli.option("--admission", flags.admission, "paged|contiguous",
               "paged: take blocks as sequences grow, preempt the youngest when the pool runs out (default); "
               "contiguous: reserve every request's full length up front, share nothing",
               {"paged", "contiguous"});
    cli.epilog(gpt2::sampling_defaults_line() +
               "\nWithout --requests, -p or --prompt-ids: chapter 07's six built-in prompts.\n"
               "Examples:\n"
               "  ./chapter08                                   the built-in queue, 8 at a time, blocks of 16\n"
               "  ./chapter08 -p \"The state of the Union\" --samples 8 -n 24   8 samples, one copy of the prompt\n"
               "  ./chapter08 --cache-mib 1 --block-size 4      a tiny pool: requests wait, or are preempted\n"
               "  ./chapter08 --verify --samples 4              every sample against its solo run (chapter 05)\n"
               "  ./chapter08 --bench                           the measurements of the lesson (minutes)");
    if (!cli.parse(argc, argv)) return false;
    chapter07::apply_serving_flags(cli, flags);
    flags.cache_mib_given = cli.given("--cache-mib");
    return true;
}

}  // namespace chapter08
