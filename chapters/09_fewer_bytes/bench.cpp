// bench.cpp — chapter 09's --bench. Rounds interleave the combinations (the machine's speed
// drifts); each reports the median decode step and its range.
#include "09_fewer_bytes/bench.hpp"

#include "04_naive_decode/cost_model.hpp"       // measure_decode_sweep: the float32 ceiling (chapter 04)
#include "04_naive_decode/sampling.hpp"          // argmax
#include "07_batched_decoding/scheduler.hpp"     // spread_of (chapter 07)
#include "09_fewer_bytes/bf16_matmul.hpp"
#include "09_fewer_bytes/format_model.hpp"
#include "common/errors.hpp"
#include "common/json_out.hpp"
#include "common/paths.hpp"
#include "common/progress.hpp"
#include "common/report.hpp"
#include "common/timing.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace chapter09 {

using namespace gpt2;

namespace {

constexpr int kPrompt = 16, kSteps = 48, kRounds = 3;

// One sweep of matrix-vector products over every bf16 weight a decode step reads: the ceiling of
// bf16 decoding, as chapter 05's sweep is float32's.
double measure_bf16_sweep(const Bf16Weights& w, int repeats) {
    const int d = w.config.n_embd;
    std::vector<float> x(4 * d, 0.5f), y(std::max(3 * d, w.config.vocab_size));
    return best_seconds(repeats, [&] {
        for (const Bf16LayerWeights& L : w.layers) {
            matvec_bf16(L.attn_qkv_weight, x.data(), y.data());
            matvec_bf16(L.attn_proj_weight, x.data(), y.data());
            matvec_bf16(L.mlp_fc_weight, x.data(), y.data());
            matvec_bf16(L.mlp_proj_weight, x.data(), y.data());
        }
        matvec_bf16(w.output_rows(), x.data(), y.data());
    });
}

struct Combination {
    DType weights, kv;
    std::vector<double> step_s;
};

}  // namespace

int run_bench(const Flags& flags) {
    const std::string out_dir = flags.out_dir.empty() ? default_output_dir() : flags.out_dir;
    make_directories(out_dir);
    const std::string csv_path = out_dir + "/ch09_formats.csv", plot_path = out_dir + "/ch09_formats.png";
    { OutputFile check_csv(csv_path, flags.force), check_plot(plot_path, flags.force); }

    std::fprintf(stderr, "loading the model twice: in float32, and in bfloat16 ...\n");
    const FormatModel fp32 = load_format_model(flags.model.model, DType::fp32);
    const FormatModel bf16 = load_format_model(flags.model.model, DType::bf16);
    const Gpt2Config& config = fp32.config();
    if (config.n_positions < kPrompt + kSteps + 1)
        throw UserError("--bench needs a model with at least " + std::to_string(kPrompt + kSteps + 1) + " positions");
    // The ceilings: the fastest sweep over every weight, in each format, measured in every round
    // between the decode steps, so that the machine's drift hits ceilings and steps alike.
    double sweep_fp32 = std::numeric_limits<double>::infinity(), sweep_bf16 = sweep_fp32;
    std::string note = bf16_kernel_note();

    std::vector<Combination> combinations;
    for (DType w : {DType::fp32, DType::bf16})
        for (DType kv : {DType::fp32, DType::fp16, DType::bf16, DType::int8})
            combinations.push_back({w, kv, {}});
    std::vector<int> prompt(kPrompt);
    for (int t = 0; t < kPrompt; ++t) prompt[t] = (t * 7919 + 464) % config.vocab_size;
    {
        Progress progress("decode steps, every combination", kRounds * static_cast<int>(combinations.size()), "runs");
        int done = 0;
        for (int round = 0; round < kRounds; ++round) {
            sweep_fp32 = std::min(sweep_fp32, measure_decode_sweep(*fp32.fp32, 3));
            sweep_bf16 = std::min(sweep_bf16, measure_bf16_sweep(*bf16.bf16, 3));
            for (Combination& c : combinations) {
                const FormatModel& model = c.weights == DType::bf16 ? bf16 : fp32;
                FormatDecoder decoder(model, c.kv, kPrompt);
                std::vector<int> sequence = prompt;
                sequence.reserve(kPrompt + kSteps + 1);
                arma::fvec logits;
                decoder.next_logits(sequence, kPrompt, logits);  // the prefill: not timed
                for (int s = 0; s < kSteps; ++s) {
                    sequence.push_back(argmax(logits));
                    const Stopwatch step;
                    decoder.next_logits(sequence, 1, logits);
                    c.step_s.push_back(step.seconds());
                }
                progress.update(++done);
            }
        }
    }

    const double base = spread_of(combinations.front().step_s).median;  // fp32 weights, fp32 cache
    std::string csv = "weights,kv,ms_per_step,ms_min,ms_max,tokens_per_s,ceiling_tokens_per_s\n";
    std::vector<std::vector<std::string>> rows;
    Json results = Json::array();
    for (const Combination& c : combinations) {
        const double median = spread_of(c.step_s).median;
        const double lo = *std::min_element(c.step_s.begin(), c.step_s.end());
        const double hi = *std::max_element(c.step_s.begin(), c.step_s.end());
        const double ceiling = 1.0 / (c.weights == DType::bf16 ? sweep_bf16 : sweep_fp32);
        rows.push_back({dtype_name(c.weights), dtype_name(c.kv), format("%.2f", median * 1e3),
                        format("%.2f-%.2f", lo * 1e3, hi * 1e3), format("%.1f", 1 / median), format("%.2fx", base / median),
                        format("%.0f%%", 100 / median / ceiling)});
        csv += format("%s,%s,%.4f,%.4f,%.4f,%.3f,%.3f\n", dtype_name(c.weights).c_str(),
                      dtype_name(c.kv).c_str(), median * 1e3, lo * 1e3, hi * 1e3, 1 / median, ceiling);
        results.push_back({{"weights", dtype_name(c.weights)},
                           {"kv", dtype_name(c.kv)},
                           {"decode_tokens_per_s", 1 / median},
                           {"ms_per_step", median * 1e3},
                           {"ms_per_step_min", lo * 1e3},
                           {"ms_per_step_max", hi * 1e3}});
    }
    write_output_file(csv_path, csv, flags.force);
    bool plotted = false;
    {
        OutputFile picture(plot_path, flags.force);
        plotted = run_gnuplot_file("chapters/09_fewer_bytes/formats.gp",
                                   {{"csv", csv_path},
                                    {"out", picture.temp_path()},
                                    {"model", fp32.is_random() ? "GPT-2 124M's shapes, random weights"
                                                               : shown_path(fp32.source())}},
                                   picture);
    }
    if (flags.model.json) {
        print_json({{"chapter", "09_fewer_bytes"},
                    {"mode", "bench"},
                    {"model", fp32.source()},
                    {"kernel", bf16_kernel_name()},
                    {"results", results},
                    {"ceiling_tokens_per_s", {{"fp32", 1 / sweep_fp32}, {"bf16", 1 / sweep_bf16}}},
                    {"weights_bytes", {{"fp32", fp32.bytes()}, {"bf16", bf16.bytes()}}},
                    {"csv", shown_path(csv_path)},
                    {"plot", plotted ? Json(shown_path(plot_path)) : Json(nullptr)}});
        return 0;
    }
    std::printf("\ndecode steps of %s: %d-token prompt, %d steps x %d rounds per combination; bf16 kernel: %s\n",
                fp32.is_random() ? "GPT-2 124M's shapes (random weights)" : shown_path(fp32.source()).c_str(), kPrompt,
                kSteps, kRounds, bf16_kernel_name().c_str());
    if (!note.empty()) std::printf("%s\n", note.c_str());
    std::printf("%s", format_table({"weights", "kv", "ms/step", "range", "tokens/s", "vs fp32/fp32", "of its ceiling"}, rows)
                          .c_str());
    std::printf("ceilings: one sweep over every weight — float32 %s: %.2f ms (%.1f tokens/s); bfloat16 %s: %.2f ms "
                "(%.1f tokens/s)\n",
                human_bytes(fp32.bytes()).c_str(), sweep_fp32 * 1e3, 1 / sweep_fp32, human_bytes(bf16.bytes()).c_str(),
                sweep_bf16 * 1e3, 1 / sweep_bf16);
    std::printf("wrote %s\n", shown_path(csv_path).c_str());
    if (plotted) std::printf("wrote %s\n", shown_path(plot_path).c_str());
    return 0;
}

}  // namespace chapter09
