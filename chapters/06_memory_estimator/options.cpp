// options.cpp — chapter 06's flags (see options.hpp).
#include "06_memory_estimator/options.hpp"

#include "06_memory_estimator/memory_estimator.hpp"  // preset_names, dtype_names, validate_model
#include "common/errors.hpp"

#include <sstream>

namespace gpt2::ch06 {

void add_flags(CliParser& cli, Options& o) {
    cli.option("--preset", o.preset, "NAME", "a known model: " + preset_names());
    cli.option("--config", o.config_path, "PATH", "a Hugging Face config.json (GPT-2 or Llama/Mistral keys)");
    cli.option("--layers", o.layers, "N", "custom model: transformer blocks", 1, 100000);
    cli.option("--heads", o.heads, "N", "custom model: attention heads", 1, 100000);
    cli.option("--kv-heads", o.kv_heads, "N", "custom model: key/value heads (default = --heads)", 1, 100000);
    cli.option("--head-dim", o.head_dim, "N", "custom model: width of one head", 1, 1 << 20);
    cli.option("--n-embd", o.n_embd, "N", "custom model: model width (head_dim = n_embd / heads)", 1, 1 << 24);
    cli.option("--vocab-size", o.vocab_size, "N", "custom model: vocabulary (default 50257)", 1, 1 << 24);
    cli.option("--n-positions", o.n_positions, "N", "custom model: context window (default 1024)", 1, 1 << 30);
    cli.option("--context", o.context, "N", "tokens in the cache (default: the model's window)", 1, 1LL << 40);
    cli.option("--batch", o.batch, "B", "sequences decoded together (default 1)", 1, 1LL << 40);
    cli.option("--dtype", o.dtype_text, dtype_names(), "number format (default fp16; fp32 with --measure)");
    cli.option("--memory-gib", o.memory_gib, "G", "memory for weights + cache: longest context, largest batch",
               0.0, 1e9, true);
    cli.option("--requests", o.requests_text, "L1,L2,...", "request lengths for paged vs contiguous");
    cli.option("--block-size", o.block_size, "N", "tokens per paged block (default 16)", 1, 1 << 20);
    cli.flag("--measure", o.measure, "build the real KVCache (GPT-2 family, fp32) and compare");
    cli.flag("--json", o.json, "print one JSON object instead of the report");
    cli.option("--out-dir", o.out_dir, "DIR", "where the headline plot goes (default build/out)");
    cli.flag("--force", o.force, "overwrite an output file this tutorial did not write");
    cli.flag("--no-plot", o.no_plot, "headline table only, no plot");
    cli.epilog("examples:\n  chapter06\n  chapter06 --preset llama-2-70b --context 4096\n"
               "  chapter06 --preset gpt2 --context 1024 --measure\n"
               "  chapter06 --preset mistral-7b --context 16384 --requests 100,900,2000 --memory-gib 24\n"
               "sizes: MiB = 2^20 bytes, GiB = 2^30 bytes");
    const std::string one_model_only = "choose one model: --preset NAME, --config PATH, or a custom shape "
                                       "(--layers, --heads, --kv-heads, --head-dim/--n-embd), not a mix";
    cli.excludes("--preset", "--config", one_model_only);
    for (const char* shape : {"--layers", "--heads", "--kv-heads", "--head-dim", "--n-embd", "--vocab-size", "--n-positions"}) {
        cli.excludes("--preset", shape, one_model_only);
        cli.excludes("--config", shape, one_model_only);
    }
}

std::vector<std::uint64_t> parse_requests(const std::string& text) {
    std::vector<std::uint64_t> lengths;
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ',')) {
        if (lengths.size() >= 100000) throw UserError("--requests: at most 100,000 requests");
        lengths.push_back(static_cast<std::uint64_t>(
            parse_integer(item, "--requests item " + std::to_string(lengths.size() + 1), 1, 1LL << 40)));
    }
    if (lengths.empty() || text.back() == ',')
        throw UserError("--requests: expected lengths separated by commas, e.g. 100,900,2000, got '" +
                        text.substr(0, 40) + "'");
    return lengths;
}

bool one_model_given(const CliParser& cli) {
    return cli.given("--preset") || cli.given("--config") || cli.given("--layers") || cli.given("--heads") ||
           cli.given("--kv-heads") || cli.given("--head-dim") || cli.given("--n-embd") || cli.given("--vocab-size") ||
           cli.given("--n-positions");
}

void refuse_sizing_without_model(const CliParser& cli) {
    for (const char* flag : {"--context", "--batch", "--memory-gib", "--requests", "--block-size", "--measure"})
        if (cli.given(flag))
            throw UserError(std::string(flag) + " needs a model: add --preset NAME (e.g. --preset gpt2), --config PATH "
                            "or --layers/--heads/--n-embd");
}

ModelSpec custom_model(const Options& o, const CliParser& cli) {
    if (!cli.given("--layers") || !cli.given("--heads") || !(cli.given("--head-dim") || cli.given("--n-embd")))
        throw UserError("a custom model needs --layers, --heads and --head-dim or --n-embd "
                        "(--kv-heads defaults to --heads); or use --preset NAME");
    // A custom model has GPT-2's architecture (learned positions, tied head, 4× MLP), so its
    // weights can be counted and chapter 05's KVCache can hold it.
    ModelSpec m;
    m.name = "custom";
    m.source = "command-line flags (GPT-2 architecture)";
    m.architecture = Architecture::Gpt2;
    m.n_layer = o.layers;
    m.n_head = o.heads;
    m.n_kv_heads = cli.given("--kv-heads") ? o.kv_heads : o.heads;
    if (cli.given("--n-embd")) {
        if (o.n_embd % o.heads != 0)
            throw UserError("--heads " + std::to_string(o.heads) + " does not divide --n-embd " +
                            std::to_string(o.n_embd) + "; GPT-2 splits n_embd evenly across the heads");
        m.d_model = o.n_embd;
        m.head_dim = cli.given("--head-dim") ? o.head_dim : o.n_embd / o.heads;
    } else {
        m.head_dim = o.head_dim;
        m.d_model = static_cast<int>(checked_mul(o.head_dim, o.heads, "--heads × --head-dim"));
        if (m.d_model != static_cast<long long>(o.head_dim) * o.heads)
            throw UserError("--heads × --head-dim is too wide; keep it under 2^31");
    }
    m.intermediate_size = 4 * m.d_model;
    m.vocab_size = o.vocab_size;
    m.max_context = o.n_positions;
    m.tied_embeddings = true;
    validate_model(m, "custom model");
    return m;
}

}  // namespace gpt2::ch06
