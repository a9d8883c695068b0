#include "09_fewer_bytes/options.hpp"

#include "09_fewer_bytes/number_formats.hpp"
#include "common/cli.hpp"
#include "common/errors.hpp"
#include "common/paths.hpp"

namespace chapter09 {

bool parse_flags(int argc, char** argv, Flags& flags) {
    gpt2::CliParser cli("chapter09", "Fewer bytes per number: bfloat16 weights and a quantized KV cache, measured.");
    gpt2::add_decoding_flags(cli, flags.model, flags.generation, "The state of the Union is", 48);
    // Format names are checked by parse_number_format (one line naming the flag and the valid
    // names) rather than by a fixed list, so a wrong one gets the same message as everywhere.
    cli.option("--weights", flags.weights, "fp32|bf16", "the weights' number format (default: fp32)");
    cli.option("--kv", flags.kv, "fp32|fp16|bf16|int8", "the KV cache's number format (default: fp32)");
    cli.flag("--compare", flags.compare,
             "the error of these formats against float32 (without --weights/--kv: every combination)");
    cli.flag("--bench", flags.bench, "decode tokens/s of every combination, beside each weight format's ceiling");
    cli.option("--out-dir", flags.out_dir, "DIR", "where --bench writes its CSV and plot (default: build/out)");
    cli.flag("--force", flags.force, "let --bench replace files this tutorial did not write");
    cli.excludes("--compare", "--bench", "--compare and --bench are separate runs; give one of them");
    cli.epilog(gpt2::sampling_defaults_line() +
               "\nExamples:\n"
               "  ./chapter09 --weights bf16 --kv int8          generate with bf16 weights and an int8 cache\n"
               "  ./chapter09 --compare                         every combination against float32\n"
               "  ./chapter09 --compare --weights bf16 --json   one combination, as JSON\n"
               "  ./chapter09 --bench                           tokens/s of every combination (GPT-2 124M's shapes)");
    if (!cli.parse(argc, argv)) return false;
    gpt2::apply_model_flags(cli, flags.model);
    flags.weights_given = cli.given("--weights");
    flags.kv_given = cli.given("--kv");
    flags.new_tokens_given = cli.given("--max-new-tokens");
    const gpt2::DType weights = gpt2::parse_number_format(flags.weights, "--weights");
    gpt2::parse_number_format(flags.kv, "--kv");
    if (weights != gpt2::DType::fp32 && weights != gpt2::DType::bf16)
        throw gpt2::UserError("--weights " + flags.weights + ": weights come in fp32 or bf16 here");
    if (flags.bench && !cli.given("--model")) flags.model.model = gpt2::default_benchmark_model_arg();
    return true;
}

}  // namespace chapter09
