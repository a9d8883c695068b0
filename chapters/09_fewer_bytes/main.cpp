// Chapter 09 — fewer bytes per number: bfloat16 weights and a quantized KV cache, with the
// error measured.
//
// Adds: number formats from the bits up (number_formats.cpp), bfloat16 weights converted while
// loading and multiplied by kernels of our own (bf16_weights.cpp, bf16_matmul.cpp), a KV cache
// in float16, bfloat16 or int8 (quantized_cache.cpp), the decoder that runs chapters 05 and 07
// on them (format_model.cpp), and what each format costs in accuracy (compare.cpp) and buys in
// speed (bench.cpp).
// Builds on: chapter 03 (the block pieces, generic over the weights' format; the loader),
// chapter 05 (the prefill), chapter 07 (the decode step and its caches), chapter 04 (generate).
//
// Run:  make chapter09 && ./chapter09 --weights bf16 --kv int8
//       ./chapter09 --compare                    every combination against float32
//       ./chapter09 --bench                      tokens/s of every combination, and the ceilings

#include "09_fewer_bytes/bench.hpp"         // --bench (step 7)
#include "09_fewer_bytes/compare.hpp"       // --compare (step 6)
#include "09_fewer_bytes/format_model.hpp"  // the model and the decoder in their formats (steps 3-5)
#include "09_fewer_bytes/options.hpp"
#include "09_fewer_bytes/report.hpp"

#include "04_naive_decode/generation_report.hpp"  // TokenPrinter, generation_json (chapter 04)
#include "common/errors.hpp"
#include "common/files.hpp"
#include "common/paths.hpp"
#include "common/report.hpp"
#include "common/timing.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

namespace {

using namespace gpt2;
using chapter09::Flags;

// --- 6. --compare: every combination (or the one asked for) against float32 ---
int run_compare(const Flags& flags, DType weights, DType kv, const std::optional<Tokenizer>& tokenizer) {
    std::vector<std::pair<DType, DType>> combinations;
    for (DType w : {DType::fp32, DType::bf16})
        for (DType k : {DType::fp32, DType::fp16, DType::bf16, DType::int8})
            if ((!flags.weights_given || w == weights) && (!flags.kv_given || k == kv)) combinations.push_back({w, k});
    const bool needs_bf16 = std::any_of(combinations.begin(), combinations.end(),
                                        [](const auto& c) { return c.first == DType::bf16; });
    const FormatModel fp32 = load_format_model(flags.model.model, DType::fp32);
    print_model_notice(fp32.source(), fp32.is_random());
    std::optional<FormatModel> bf16;
    if (needs_bf16) bf16.emplace(load_format_model(flags.model.model, DType::bf16));

    CompareSettings settings;
    settings.new_tokens = flags.new_tokens_given ? flags.generation.max_new_tokens : 64;
    if (flags.model.prompt_given || flags.model.prompt_ids_given) {
        settings.prompts.push_back(prompt_ids(flags.model, fp32.config(), tokenizer));
    } else if (tokenizer) {
        for (const char* text : {"The state of the Union is", "We must", "In the year that has passed, the Nation has",
                                 "The Congress of the United States"})
            settings.prompts.push_back(tokenizer->encode(text));
    } else {
        settings.prompts.push_back({464, 1181, 286, 262, 4479, 318});  // "The state of the Union is"
    }
    // The small model's held-out text (data/mini/heldout_sample.txt, never trained on).
    if (fp32.source() == "mini" && tokenizer) {
        const std::string text = read_file_bytes(project_root() + "/data/mini/heldout_sample.txt", 1 << 20,
                                                 "it is committed with the small model; restore it with git");
        settings.heldout_ids = tokenizer->encode(text, true);
    }
    if (!flags.model.json) std::fprintf(stderr, "comparing %zu combination(s) with float32 ...\n", combinations.size());
    const std::vector<FormatComparison> results = compare_formats(fp32, bf16 ? &*bf16 : nullptr, combinations, settings);
    if (flags.model.json) {
        print_json({{"chapter", "09_fewer_bytes"}, {"mode", "compare"}, {"model", fp32.source()},
                    {"new_tokens", settings.new_tokens}, {"results", chapter09::comparisons_json(results)}});
        return 0;
    }
    std::printf("%s, %zu prompt(s), %d greedy tokens each%s\n", shown_path(fp32.source()).c_str(), settings.prompts.size(),
                settings.new_tokens,
                settings.heldout_ids.empty() ? ""
                                             : format("; perplexity over %d windows of held-out text",
                                                      settings.perplexity_windows).c_str());
    chapter09::print_comparisons(results);
    return 0;
}

int body(int argc, char** argv) {
    Flags flags;
    if (!chapter09::parse_flags(argc, argv, flags)) return 0;
    GenerationOptions generation = generation_options(flags.generation);  // bad values stop here
    // --- 7. --bench: tokens/s of every combination, beside the ceilings ---
    if (flags.bench) return chapter09::run_bench(flags);

    // --- 1. The formats ---
    const DType weights = parse_number_format(flags.weights, "--weights");
    const DType kv = parse_number_format(flags.kv, "--kv");
    const std::optional<Tokenizer> tokenizer = load_tokenizer_if_possible(flags.model);
    if (flags.compare) return run_compare(flags, weights, kv, tokenizer);

    // --- 2-3. The model, its big matrices converted while loading when bf16 ---
    const FormatModel model = load_format_model(flags.model.model, weights);
    print_model_notice(model.source(), model.is_random());
    if (weights == DType::bf16 && !bf16_kernel_note().empty()) std::fprintf(stderr, "%s\n", bf16_kernel_note().c_str());
    const std::vector<int> prompt = prompt_ids(flags.model, model.config(), tokenizer);
    check_prompt_fits(prompt, model.config().n_positions);

    // --- 4-5. Generate: chapter 05's prefill, chapter 07's step, in these formats ---
    FormatDecoder decoder(model, kv, static_cast<int>(prompt.size()));
    const TokenPrinter printer(tokenizer ? &*tokenizer : nullptr);
    const bool stream = !flags.model.json;
    if (stream) {
        std::printf("sampling: %s; weights %s, KV cache %s\n\n", generation.sampling.describe().c_str(),
                    dtype_name(weights).c_str(), dtype_name(kv).c_str());
        printer.prompt(prompt);
    }
    const NextLogitsFn next = [&](const std::vector<int>& sequence, int n_new, arma::fvec& logits) {
        decoder.next_logits(sequence, n_new, logits);
    };
    const Generation run = generate(prompt, model.config().n_positions, generation, next, [&](int token) {
        if (stream) printer.token(token);
    });
    chapter09::RunMemory memory;
    memory.weights_bytes = model.bytes();
    memory.cache_bytes = decoder.cache_bytes();
    memory.cache_bytes_per_token = decoder.cache_bytes_per_token();
    memory.peak_rss_bytes = peak_rss_bytes();
    if (flags.model.json) {
        Json out = generation_json(run, tokenizer ? &*tokenizer : nullptr, generation.sampling);
        out["chapter"] = "09_fewer_bytes";
        out["model"] = model.source();
        out["weights"] = dtype_name(weights);
        out["kv"] = dtype_name(kv);
        out["memory"] = chapter09::memory_json(memory);
        print_json(out);
        return 0;
    }
    printer.end();
    chapter09::print_summary(run, weights, kv, memory);
    return 0;
}

}  // namespace

int main(int argc, char** argv) { return gpt2::run_program("chapter09", argc, argv, body); }
