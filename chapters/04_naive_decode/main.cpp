// Chapter 04 — naive decoding: generate text by re-running the whole forward pass each step.
//
// Adds: sampling (greedy, temperature, top-k, top-p, a seeded generator — chapters/04_naive_decode/sampling),
// the generation loop both decode chapters share (chapters/04_naive_decode/generate), and a cost model that
// says what each step should cost on this machine (chapters/04_naive_decode/cost_model).
// Builds on: chapter 01 (tokenizer) and chapter 03 (forward pass: forward_last()).
//
// Run:  make chapter04 && ./chapter04
//       ./chapter04 -p "The meaning of life is" -n 48 --greedy
//       ./chapter04 --prompt-ids "15496 995" -n 16 --json
// Every step's time is printed next to the cost model's prediction: it grows linearly with
// the sequence length, so the total grows quadratically. Chapter 05 removes that growth.

#include "04_naive_decode/cost_model.hpp"
#include "04_naive_decode/generate.hpp"
#include "common/errors.hpp"
#include "04_naive_decode/generation_flags.hpp"
#include "04_naive_decode/generation_report.hpp"
#include "03_forward_pass/model_flags.hpp"
#include "common/report.hpp"
#include "common/timing.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace gpt2;

const char* kSamplePrompt = "The quick brown fox";

// --- 1. Flags: the model, the prompt, how to sample ---
struct Flags {
    ModelFlags model;
    GenerationFlags generation;
    bool all_steps = false;
};

bool parse_flags(int argc, char** argv, Flags& flags) {
    CliParser cli("chapter04", "Naive decoding: every new token re-runs the forward pass over the whole sequence.");
    // Naive decoding is slow on purpose: keep the default short (32 new tokens).
    add_decoding_flags(cli, flags.model, flags.generation, kSamplePrompt, 32);
    cli.flag("--all-steps", flags.all_steps, "print every step in the table (default: a sample of them)");
    cli.epilog(sampling_defaults_line() +
        "\nExamples:\n"
        "  ./chapter04 -p \"The meaning of life is\" -n 48 --greedy\n"
        "  ./chapter04 --prompt-ids \"15496 995\" -n 16 --temperature 1.0 --top-k 0 --seed 7\n"
        "  ./chapter04 --json");
    if (!cli.parse(argc, argv)) return false;
    apply_model_flags(cli, flags.model);
    return true;
}

// --- 2. Sampling: chapters/04_naive_decode/sampling.cpp (sampling_distribution, Sampler::next) ---
// --- 3. The naive loop: chapters/04_naive_decode/generate.cpp (generate, generate_naive) ---

// --- 4. What each step cost, next to what the cost model predicts ---
void print_step_table(const Generation& run, const Gpt2Config& config, const MachineRates& rates, bool all_steps) {
    const int steps = run.new_tokens();
    std::vector<std::vector<std::string>> rows;
    double measured_total = 0, predicted_total = 0;
    const int stride = all_steps || steps <= 20 ? 1 : std::max(1, steps / 16);
    for (int i = 0; i < steps; ++i) {
        const int context = run.step_context[i];
        const double predicted = predict_naive_step_s(config, context, rates);
        measured_total += run.step_seconds[i];
        predicted_total += predicted;
        if (i % stride != 0 && i != steps - 1) continue;
        const StepCost cost = naive_step_cost(config, context);
        const StepTime parts = predict_naive_step(config, context, rates);
        rows.push_back({std::to_string(i + 1), std::to_string(context), format("%.3g", cost.flops() / 1e9),
                        format("%.1f", (parts.matmul_s + parts.head_s) * 1e3), format("%.1f", parts.elementwise_s * 1e3),
                        format("%.1f", predicted * 1e3), format("%.1f", run.step_seconds[i] * 1e3),
                        format("%.2f", run.step_seconds[i] / predicted)});
    }
    std::printf("\nEvery step runs the forward pass over the whole sequence (its length L):\n");
    std::printf("%s", format_table({"step", "L", "GFLOP", "matmul ms", "tanh+exp+norm ms", "predicted ms", "measured ms",
                                    "measured/predicted"},
                                   rows)
                          .c_str());
    if (stride > 1) std::printf("(one step in %d shown; --all-steps shows all)\n", stride);
    std::printf("total: %.2f s measured, %.2f s predicted by the cost model\n", measured_total, predicted_total);
    const int first = rates.gemm_tokens.front(), last = rates.gemm_tokens.back();
    std::printf("cost model, with rates measured just now at every L: matmul = FLOPs of a forward over L tokens\n"
                "at the gemm rate for that L (%.0f GFLOP/s at L=%d, %.0f at L=%d; attention products %.0f and %.0f)\n"
                "+ the output projection streamed at %.1f GB/s; tanh+exp+norm = 4·d·L GELUs per layer at %.1f ns,\n"
                "L(L+1)/2 softmax entries per head at %.1f ns, 2·d·L LayerNorm elements per layer at %.2f ns\n",
                rates.gemm_rate(first) / 1e9, first, rates.gemm_rate(last) / 1e9, last, rates.attention_rate(first) / 1e9,
                rates.attention_rate(last) / 1e9, rates.bandwidth_bytes_per_s() / 1e9, rates.gelu_s * 1e9,
                rates.softmax_s * 1e9, rates.layer_norm_s * 1e9);
}

// --- 5. --json: one object on stdout ---
void print_json(const Generation& run, const std::optional<Tokenizer>& tokenizer, const GenerationOptions& options,
                const Gpt2Config& config, const MachineRates& rates, const std::string& model) {
    Json out = {{"chapter", "04_naive_decode"}, {"model", model}};
    out.update(generation_json(run, tokenizer ? &*tokenizer : nullptr, options.sampling));
    out["steps"] = Json::array();
    for (int i = 0; i < run.new_tokens(); ++i)
        out["steps"].push_back({{"step", i + 1},
                                {"context", run.step_context[i]},
                                {"seconds", run.step_seconds[i]},
                                {"predicted_s", predict_naive_step_s(config, run.step_context[i], rates)}});
    gpt2::print_json(out);
}

int body(int argc, char** argv) {
    Flags flags;
    if (!parse_flags(argc, argv, flags)) return 0;
    const GenerationOptions options = generation_options(flags.generation);  // bad values stop here

    const std::optional<Tokenizer> tokenizer = load_tokenizer_if_possible(flags.model);
    const Gpt2Weights weights = load_model(flags.model);
    const std::vector<int> prompt = prompt_ids(flags.model, weights.config, tokenizer);
    check_prompt_fits(prompt, weights.config.n_positions);

    // The cost model needs this machine's rates: measured now, with the model's own matrices.
    // At every sequence length a step will run over (a gemm's rate depends on its exact width:
    // the lesson's step 4 shows by how much), up to the window.
    const int P = static_cast<int>(prompt.size());
    const int steps = std::min(weights.config.n_positions + 1 - P, options.max_new_tokens);  // the window's last position gives one more
    if (!flags.model.json) std::fprintf(stderr, "measuring this machine's matrix-multiply rate...\n");
    const MachineRates rates = measure_machine(weights, naive_step_widths(P, steps), 3);

    const bool stream = !flags.model.json;
    const TokenPrinter printer(tokenizer ? &*tokenizer : nullptr);
    if (stream) {
        std::printf("sampling: %s\n\n", options.sampling.describe().c_str());
        printer.prompt(prompt);
    }
    const Generation run = generate_naive(weights, prompt, options, [&](int token) {
        if (stream) printer.token(token);
    });
    if (flags.model.json) {
        print_json(run, tokenizer, options, weights.config, rates, weights.source);
        return 0;
    }
    printer.end();
    std::printf("[%s]\n", run.stop_message().c_str());
    print_step_table(run, weights.config, rates, flags.all_steps);
    std::printf("time to first token %.3f s, then %.1f ms per token (%.1f tokens/s) — and growing with length\n",
                run.time_to_first_token_s, run.new_tokens() > 1 ? run.decode_s / (run.new_tokens() - 1) * 1e3 : 0.0,
                run.decode_tokens_per_s());
    return 0;
}

}  // namespace

int main(int argc, char** argv) { return gpt2::run_program("chapter04", argc, argv, body); }
