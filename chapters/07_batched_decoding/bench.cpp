// bench.cpp — chapter 07's --bench: the roofline measured, and the two batching policies.
//
// Part 1, tokens/s against B: B sequences sit at the same context (a 64-token prefill copied
// into each cache), and decode 8 steps together; rounds interleave the batch sizes so that the
// machine's drift hits them all alike; each size reports the median step time and its range.
// Part 2, the mixed workload: the same requests served with static and with continuous
// batching, alternately, three times each.
#include "07_batched_decoding/bench.hpp"

#include "05_cached_decode/cached_decode.hpp"   // forward_cached: the template prefill (chapter 05)
#include "05_cached_decode/kv_cache.hpp"
#include "03_forward_pass/weight_product.hpp"  // the products the batched step runs (chapter 03)
#include "07_batched_decoding/batched_step.hpp"
#include "07_batched_decoding/roofline.hpp"
#include "07_batched_decoding/scheduler.hpp"
#include "04_naive_decode/sampling.hpp"          // argmax (chapter 04)
#include "common/cli.hpp"
#include "common/errors.hpp"
#include "common/json_out.hpp"
#include "common/paths.hpp"
#include "common/progress.hpp"
#include "common/report.hpp"
#include "common/timing.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>

namespace chapter07 {

using namespace gpt2;

std::vector<int> parse_batch_sizes(const std::string& text) {
    std::vector<int> sizes;
    for (long long b : parse_integer_list(text, "--bench-batches", "batch size", 1, 128, 16))
        sizes.push_back(static_cast<int>(b));
    if (sizes.empty()) throw UserError("--bench-batches: give at least one batch size, e.g. \"1 8 32\"");
    std::sort(sizes.begin(), sizes.end());
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
    return sizes;
}

std::vector<Request> mixed_workload(int count, int vocab_size) {
    const int prompt_lengths[] = {8, 32, 16, 64};
    const int new_tokens[] = {16, 96, 32, 8, 64, 128};
    std::vector<Request> requests;
    for (int i = 0; i < count; ++i) {
        Request r;
        r.index = i;
        for (int t = 0; t < prompt_lengths[i % 4]; ++t) r.prompt_ids.push_back((i * 7919 + t * 104729) % vocab_size);
        r.max_new_tokens = new_tokens[i % 6];
        r.seed = static_cast<std::uint64_t>(i);
        requests.push_back(std::move(r));
    }
    return requests;
}

namespace {

constexpr int kContext = 64;     // tokens each sequence holds when the timed steps start
constexpr int kSteps = 8;        // timed decode steps per batch size per round
constexpr int kRounds = 5;
constexpr int kWorkloadRounds = 3;

struct Measured {
    int batch = 0;
    std::vector<double> step_s;  // every timed step, every round
    double median() const { return spread_of(step_s).median; }
    double min() const { return *std::min_element(step_s.begin(), step_s.end()); }
    double max() const { return *std::max_element(step_s.begin(), step_s.end()); }
};

// Part 1: decode steps at every batch size, interleaved over rounds.
std::vector<Measured> measure_batches(const Gpt2Weights& weights, const std::vector<int>& sizes) {
    const Gpt2Config& config = weights.config;
    const int capacity = kContext + kSteps;
    // One prefill, copied into every cache: all sequences start at the same context.
    std::vector<int> prompt(kContext);
    for (int t = 0; t < kContext; ++t) prompt[t] = (t * 7919 + 17) % config.vocab_size;
    KVCache prefilled(config, capacity);
    {
        std::unique_ptr<ForwardBuffers> buffers = make_forward_buffers(config, kContext);
        arma::fvec logits;
        forward_cached(weights, prompt, prefilled, *buffers, logits);
    }
    const int widest = sizes.back();
    std::vector<std::unique_ptr<KVCache>> caches;
    for (int i = 0; i < widest; ++i) caches.push_back(std::make_unique<KVCache>(config, capacity));
    std::unique_ptr<ForwardBuffers> buffers = make_forward_buffers(config, widest);
    use_columns(*buffers, widest);
    arma::fmat logits(config.vocab_size, widest);  // (vocab, B)

    std::vector<Measured> measured;
    for (int B : sizes) measured.push_back({B, {}});
    Progress progress("decode steps at every batch size", kRounds * static_cast<int>(sizes.size()), "batch sizes");
    int done = 0;
    for (int round = 0; round < kRounds; ++round) {
        for (Measured& m : measured) {
            std::vector<KVCache*> batch;
            std::vector<int> tokens(m.batch, prompt.back());
            for (int i = 0; i < m.batch; ++i) {
                KVCache& cache = *caches[i];
                cache.reset();
                for (int l = 0; l < config.n_layer; ++l)
                    cache.append(l, prefilled.keys(l).cols(0, kContext - 1), prefilled.values(l).cols(0, kContext - 1));
                batch.push_back(&cache);
            }
            ContiguousCaches batch_caches(config, batch);
            for (int s = 0; s < kSteps; ++s) {
                const Stopwatch step;
                decode_step_batched(weights, tokens, batch_caches, *buffers, logits);
                for (int i = 0; i < m.batch; ++i) {  // greedy, as a server would choose: column i, viewed
                    const arma::fvec column(logits.colptr(i), logits.n_rows, false, true);
                    tokens[i] = argmax(column);
                }
                m.step_s.push_back(step.seconds());
            }
            progress.update(++done);
        }
    }
    return measured;
}

// The weight products of one step at width B, all 48 matrices read from memory: chapter 03's
// weight_product (a blocked loop of its own for 2-32 columns) against OpenBLAS's sgemm on
// the same matrices, interleaved; the best of `repeats` each, in seconds.
struct ProductKernels {
    int batch = 0;
    double this_project_s = 0, openblas_s = 0;
};

std::vector<ProductKernels> measure_product_kernels(const Gpt2Weights& weights, const std::vector<int>& sizes,
                                                    int repeats) {
    const arma::uword d = weights.config.n_embd;
    std::vector<ProductKernels> result;
    for (int B : sizes) {
        if (B < 2) continue;  // one column is a gemv either way
        const arma::fmat x(d, B, arma::fill::randu), h(4 * d, B, arma::fill::randu);  // (d, B), (4d, B)
        arma::fmat y(4 * d, B);
        auto all_products = [&](bool ours) {
            for (const LayerWeights& layer : weights.layers)
                for (const arma::fmat* W : {&layer.attn_qkv_weight, &layer.attn_proj_weight, &layer.mlp_fc_weight,
                                            &layer.mlp_proj_weight}) {
                    const arma::fmat& input = W->n_cols == d ? x : h;
                    if (ours) weight_product(*W, input, y);
                    else y = *W * input;  // Armadillo hands it to OpenBLAS's sgemm
                }
        };
        ProductKernels k{B, 1e30, 1e30};
        for (int r = 0; r < repeats; ++r) {  // interleaved: the machine's drift hits both alike
            k.this_project_s = std::min(k.this_project_s, best_seconds(1, [&] { all_products(true); }));
            k.openblas_s = std::min(k.openblas_s, best_seconds(1, [&] { all_products(false); }));
        }
        result.push_back(k);
    }
    return result;
}

struct PolicyRuns {
    std::vector<ServeResult> runs;
    std::vector<double> throughputs() const {
        std::vector<double> t;
        for (const ServeResult& r : runs) t.push_back(r.throughput_tokens_per_s());
        return t;
    }
};

Spread pooled(const PolicyRuns& p, bool first_token) {
    std::vector<double> values;
    for (const ServeResult& run : p.runs)
        for (const RequestResult& r : run.requests)
            values.push_back(first_token ? r.time_to_first_token_s : r.time_per_output_token_s());
    return spread_of(values);
}

Json policy_json(const PolicyRuns& p) {
    const std::vector<double> t = p.throughputs();
    const Spread ttft = pooled(p, true), tpot = pooled(p, false);
    const ServeResult& first = p.runs.front();
    return {{"throughput_tokens_per_s", spread_of(t).median},
            {"throughput_min", *std::min_element(t.begin(), t.end())},
            {"throughput_max", *std::max_element(t.begin(), t.end())},
            {"time_to_first_token_s", {{"median", ttft.median}, {"p90", ttft.p90}}},
            {"time_per_output_token_s", {{"median", tpot.median}, {"p90", tpot.p90}}},
            {"steps", first.steps},
            {"slot_steps", first.slot_steps},
            {"idle_slot_steps", first.idle_slot_steps},
            {"generated_tokens", first.generated_tokens()}};
}

}  // namespace

int run_bench(const Flags& flags, const Gpt2Weights& weights) {
    const Gpt2Config& config = weights.config;
    const std::vector<int> sizes = parse_batch_sizes(flags.bench_batches);
    if (config.n_positions < kContext + kSteps)
        throw UserError("--bench needs a model with at least " + std::to_string(kContext + kSteps) +
                        " positions; this one has " + std::to_string(config.n_positions));
    const std::string out_dir = flags.out_dir.empty() ? default_output_dir() : flags.out_dir;
    make_directories(out_dir);
    const std::string csv_path = out_dir + "/ch07_roofline.csv", plot_path = out_dir + "/ch07_roofline.png";
    { OutputFile check_csv(csv_path, flags.force), check_plot(plot_path, flags.force); }  // refuse before minutes of work

    // 1. The machine: bandwidth, element-wise rates, the compute roof at every batch size.
    const Roofline roofline = measure_roofline(weights, sizes, 5, [](const std::string& what) {
        std::fprintf(stderr, "measuring %s ...\n", what.c_str());
    });
    std::fprintf(stderr, "measuring the weight products at every batch size, ours and OpenBLAS's ...\n");
    const std::vector<ProductKernels> kernels = measure_product_kernels(weights, sizes, 3);
    // 2. Decode steps at every batch size.
    const std::vector<Measured> measured = measure_batches(weights, sizes);
    // 3. The mixed workload, static and continuous alternately.
    const int workload_batch = flags.batch_given ? flags.batch : 8;
    const std::vector<Request> workload = mixed_workload(24, config.vocab_size);
    PolicyRuns static_runs, continuous_runs;
    {
        ServeOptions options;
        options.batch = workload_batch;
        options.sampling.temperature = 0;  // greedy: every run does the same work
        options.stop_at_end_of_text = false;
        Progress progress("mixed workload, static and continuous", 2 * kWorkloadRounds, "runs");
        for (int round = 0; round < kWorkloadRounds; ++round) {
            options.batching = Batching::Static;
            static_runs.runs.push_back(serve(weights, workload, options));
            progress.update(2 * round + 1);
            options.batching = Batching::Continuous;
            continuous_runs.runs.push_back(serve(weights, workload, options));
            progress.update(2 * round + 2);
        }
    }

    // 4. The table, the CSV, the plot.
    const int context = kContext + kSteps / 2;  // the mean context of the timed steps
    const double one_token_s = measured.front().batch == 1 ? measured.front().median() : 0;
    std::vector<std::vector<std::string>> rows;
    std::string csv = "batch,ms_per_step,ms_min,ms_max,tokens_per_s,predicted_tokens_per_s,memory_roof_tokens_per_s,"
                      "compute_roof_tokens_per_s,no_overlap_tokens_per_s\n";
    Json batch_sizes = Json::array(), tokens_per_s = Json::array(), predicted = Json::array(), ms = Json::array();
    Json no_overlap = Json::array();
    for (const Measured& m : measured) {
        const BatchedStepTime t = predict_batched_step(config, m.batch, context, roofline);
        const double rate = m.batch / m.median(), predicted_rate = m.batch / t.total();
        const double serial_rate = m.batch / t.total_without_overlap();
        rows.push_back({std::to_string(m.batch), format("%.1f", m.median() * 1e3),
                        format("%.1f-%.1f", m.min() * 1e3, m.max() * 1e3), format("%.0f", rate),
                        one_token_s > 0 ? format("%.1fx", rate * one_token_s) : "-", format("%.0f", predicted_rate),
                        format("%+.0f%%", (rate / predicted_rate - 1) * 100), format("%.0f", serial_rate),
                        format("%+.0f%%", (rate / serial_rate - 1) * 100),
                        t.weights_compute_s > t.weights_memory_s ? "compute" : "memory"});
        csv += format("%d,%.4f,%.4f,%.4f,%.2f,%.2f,%.2f,%.2f,%.2f\n", m.batch, m.median() * 1e3, m.min() * 1e3,
                      m.max() * 1e3, rate, predicted_rate, m.batch / t.weights_memory_s, m.batch / t.weights_compute_s,
                      serial_rate);
        batch_sizes.push_back(m.batch);
        tokens_per_s.push_back(rate);
        predicted.push_back(predicted_rate);
        no_overlap.push_back(serial_rate);
        ms.push_back(m.median() * 1e3);
    }
    write_output_file(csv_path, csv, flags.force);
    bool plotted = false;
    {
        OutputFile picture(plot_path, flags.force);
        plotted = run_gnuplot_file("chapters/07_batched_decoding/roofline.gp",
                                   {{"csv", csv_path},
                                    {"out", picture.temp_path()},
                                    {"model", weights.is_random ? "GPT-2 124M's shapes, random weights"
                                                                : shown_path(weights.source)}},
                                   picture);
    }
    const int ridge = ridge_batch(config, roofline);
    const Json workload_json = {{"batch", workload_batch},
                                {"requests", static_cast<int>(workload.size())},
                                {"rounds", kWorkloadRounds},
                                {"static", policy_json(static_runs)},
                                {"continuous", policy_json(continuous_runs)}};
    if (flags.model.json) {
        Json gemm = Json::array();
        for (double r : roofline.gemm_flops_per_s) gemm.push_back(r);
        Json ms_min = Json::array(), ms_max = Json::array();
        Json kernel_widths = Json::array(), ours_ms = Json::array(), openblas_ms = Json::array();
        for (const ProductKernels& k : kernels)
            kernel_widths.push_back(k.batch), ours_ms.push_back(k.this_project_s * 1e3), openblas_ms.push_back(k.openblas_s * 1e3);
        for (const Measured& m : measured) ms_min.push_back(m.min() * 1e3), ms_max.push_back(m.max() * 1e3);
        print_json({{"chapter", "07_batched_decoding"},
                    {"mode", "bench"},
                    {"model", weights.source},
                    {"context", context},
                    {"batch_sizes", batch_sizes},
                    {"decode_tokens_per_s", tokens_per_s},
                    {"predicted_decode_tokens_per_s", predicted},
                    {"no_overlap_decode_tokens_per_s", no_overlap},
                    {"ms_per_step", ms},
                    {"ms_per_step_min", ms_min},
                    {"ms_per_step_max", ms_max},
                    {"bandwidth_bytes_per_s", roofline.bandwidth_bytes_per_s()},
                    {"gemm_flops_per_s", gemm},
                    {"weight_products_ms", {{"batch_sizes", kernel_widths}, {"this_project", ours_ms}, {"openblas", openblas_ms}}},
                    {"ridge_batch", ridge ? Json(ridge) : Json(nullptr)},
                    {"workload", workload_json},
                    {"csv", shown_path(csv_path)},
                    {"plot", plotted ? Json(shown_path(plot_path)) : Json(nullptr)}});
        return 0;
    }
    std::printf("\nbatched decoding of %s, every sequence at context ~%d, %d steps x %d rounds per batch size\n",
                weights.is_random ? "GPT-2 124M's shapes (random weights)" : shown_path(weights.source).c_str(),
                context, kSteps, kRounds);
    std::printf("%s", format_table({"batch", "ms/step", "range", "tokens/s", "x batch 1", "roofline", "vs roofline",
                                    "no overlap", "vs no overlap", "bound by"},
                                   rows)
                          .c_str());
    std::printf("roofline: max(weights' memory time, their compute time) + the per-sequence costs; no overlap: the two "
                "added\n");
    std::printf("memory roof: %.1f GB/s (one sweep over %s of weights: %.1f ms)\n",
                roofline.bandwidth_bytes_per_s() / 1e9, human_bytes(static_cast<std::uint64_t>(roofline.machine.sweep_bytes)).c_str(),
                roofline.machine.sweep_s * 1e3);
    std::string rates;
    for (std::size_t i = 0; i < roofline.widths.size(); ++i)
        rates += format("%s%.0f at B=%d", i ? ", " : "", roofline.gemm_flops_per_s[i] / 1e9, roofline.widths[i]);
    std::printf("compute roof (GFLOP/s, weights in cache): %s\n", rates.c_str());
    if (ridge) std::printf("the weights' compute time reaches their memory time at B = %d (the ridge)\n", ridge);
    else std::printf("the weights' compute time stays below their memory time at every measured batch size\n");
    if (!kernels.empty()) {
        std::string line;
        for (const ProductKernels& k : kernels)
            line += format("%sB=%d %.1f / %.1f", line.empty() ? "" : ", ", k.batch, k.this_project_s * 1e3, k.openblas_s * 1e3);
        std::printf("one step's 48 weight products from memory, ms (weight_product / OpenBLAS sgemm): %s\n", line.c_str());
    }

    std::printf("\nmixed workload: %zu requests (prompts 8-64 tokens, 8-128 new), batch %d, greedy, %d runs each\n",
                workload.size(), workload_batch, kWorkloadRounds);
    std::vector<std::vector<std::string>> policy_rows;
    for (const PolicyRuns* p : {&static_runs, &continuous_runs}) {
        const std::vector<double> t = p->throughputs();
        const Spread ttft = pooled(*p, true), tpot = pooled(*p, false);
        const ServeResult& first = p->runs.front();
        policy_rows.push_back({batching_name(first.batching), format("%.0f", spread_of(t).median),
                               format("%.0f-%.0f", *std::min_element(t.begin(), t.end()), *std::max_element(t.begin(), t.end())),
                               format("%.2f / %.2f", ttft.median, ttft.p90), format("%.1f / %.1f", tpot.median * 1e3, tpot.p90 * 1e3),
                               std::to_string(first.steps), format("%lld of %lld", first.idle_slot_steps, first.slot_steps)});
    }
    std::printf("%s", format_table({"batching", "tokens/s", "range", "first token s (median / p90)",
                                    "ms/token (median / p90)", "steps", "idle slot-steps"},
                                   policy_rows)
                          .c_str());
    std::printf("continuous / static throughput: %.2fx\n",
                spread_of(continuous_runs.throughputs()).median / spread_of(static_runs.throughputs()).median);
    std::printf("wrote %s\n", shown_path(csv_path).c_str());
    if (plotted) std::printf("wrote %s\n", shown_path(plot_path).c_str());
    return 0;
}

}  // namespace chapter07
