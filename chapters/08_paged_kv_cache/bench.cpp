// bench.cpp — chapter 08's --bench. Every timing interleaves what it compares, round after
// round, and reports medians with their ranges (the machine's speed drifts).
#include "08_paged_kv_cache/bench.hpp"

#include "05_cached_decode/cached_decode.hpp"    // forward_cached: the template prefill (chapter 05)
#include "05_cached_decode/kv_cache.hpp"
#include "07_batched_decoding/batched_step.hpp"  // decode_step_batched, ContiguousCaches (chapter 07)
#include "07_batched_decoding/scheduler.hpp"     // spread_of
#include "08_paged_kv_cache/paged_cache.hpp"
#include "08_paged_kv_cache/paged_server.hpp"
#include "08_paged_kv_cache/report.hpp"
#include "common/errors.hpp"
#include "common/json_out.hpp"
#include "common/paths.hpp"
#include "common/progress.hpp"
#include "common/report.hpp"
#include "common/timing.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>

namespace chapter08 {

using namespace gpt2;

namespace {

constexpr int kSteps = 8;    // timed decode steps per configuration per round
constexpr int kRounds = 5;

struct Timing {
    std::vector<double> step_s;
    double median() const { return spread_of(step_s).median; }
    double min() const { return *std::min_element(step_s.begin(), step_s.end()); }
    double max() const { return *std::max_element(step_s.begin(), step_s.end()); }
};

// B sequences at `context` tokens, decoding together, once with chapter 07's contiguous caches
// and once with block tables (blocks of `block_size`, handed out from a shuffled free list as
// a long-running server's would be): the same step function, only the caches differ.
class StepBench {
public:
    StepBench(const Gpt2Weights& weights, int batch, int context, int block_size)
        : weights_(weights), batch_(batch), context_(context),
          pool_(weights.config, block_size, batch * blocks_for(context + kSteps, block_size)),
          paged_(weights.config, pool_), template_(weights.config, context) {
        const Gpt2Config& c = weights.config;
        std::vector<int> prompt(context);
        for (int t = 0; t < context; ++t) prompt[t] = (t * 7919 + 17) % c.vocab_size;
        std::unique_ptr<ForwardBuffers> prefill = make_forward_buffers(c, context);
        arma::fvec logits;
        forward_cached(weights, prompt, template_, *prefill, logits);
        pool_.shuffle_free_list(7);
        for (int i = 0; i < batch; ++i) {
            contiguous_.push_back(std::make_unique<KVCache>(c, context + kSteps));
            tables_.push_back(std::make_unique<PagedSequence>());
        }
        // Every sequence's blocks, taken in turn one logical block at a time from the shuffled
        // free list: no sequence's blocks are next to each other in memory.
        for (int j = 0; j < blocks_for(context + kSteps, block_size); ++j)
            for (int i = 0; i < batch; ++i) tables_[i]->table.push_back(pool_.allocate());
        for (int i = 0; i < batch; ++i) {
            contiguous_pointers_.push_back(contiguous_[i].get());
            table_pointers_.push_back(tables_[i].get());
        }
        paged_.use(table_pointers_);
        buffers_ = make_forward_buffers(c, batch);
        use_columns(*buffers_, batch);
        logits_.set_size(c.vocab_size, batch);
    }

    // kSteps decode steps from `context`, each timed; the caches reset to `context` first.
    void run(bool paged, Timing& timing) {
        const int layers = weights_.config.n_layer;
        for (int i = 0; i < batch_; ++i) {
            if (paged) {
                tables_[i]->lengths.assign(layers, 0);  // its blocks stay; their first slots are rewritten
                store_prefill(template_, context_, *tables_[i], pool_);
            } else {
                contiguous_[i]->reset();
                for (int l = 0; l < layers; ++l)
                    contiguous_[i]->append(l, template_.keys(l).cols(0, context_ - 1), template_.values(l).cols(0, context_ - 1));
            }
        }
        ContiguousCaches contiguous(weights_.config, contiguous_pointers_);
        std::vector<int> tokens(batch_, 464);
        for (int s = 0; s < kSteps; ++s) {
            const Stopwatch watch;
            if (paged) decode_step_batched(weights_, tokens, paged_, *buffers_, logits_);
            else decode_step_batched(weights_, tokens, contiguous, *buffers_, logits_);
            timing.step_s.push_back(watch.seconds());
        }
    }

private:
    const Gpt2Weights& weights_;
    int batch_, context_;
    BlockPool pool_;
    PagedCaches paged_;
    KVCache template_;
    std::vector<std::unique_ptr<KVCache>> contiguous_;
    std::vector<std::unique_ptr<PagedSequence>> tables_;
    std::vector<KVCache*> contiguous_pointers_;
    std::vector<PagedSequence*> table_pointers_;
    std::unique_ptr<ForwardBuffers> buffers_;
    arma::fmat logits_;
};

// The workload of parts 2 and 3: 24 requests whose lengths are fractions of the window (for
// GPT-2's 1,024: prompts of 64–384 tokens, 32–256 new tokens), so sequences are long enough
// for a block's unused tail to be a small part of them — as in a chat server.
std::vector<Request> long_workload(const Gpt2Config& config) {
    const int n = config.n_positions;
    const int prompts[] = {n / 16, 3 * n / 16, 6 * n / 16, 2 * n / 16};
    const int limits[] = {n / 32, n / 4, 3 * n / 32, n / 16, 5 * n / 32, n / 8};
    std::vector<Request> requests;
    for (int i = 0; i < 24; ++i) {
        Request r;
        r.index = i;
        for (int t = 0; t < std::max(1, prompts[i % 4]); ++t) r.prompt_ids.push_back((i * 7919 + t * 104729) % config.vocab_size);
        r.max_new_tokens = std::max(1, limits[i % 6]);
        requests.push_back(std::move(r));
    }
    return requests;
}

struct StepRow {
    int batch, context, block_size;
    Timing contiguous, paged;
};

struct PolicyRuns {
    std::vector<PagedRun> runs;
    std::vector<double> throughputs() const {
        std::vector<double> t;
        for (const PagedRun& r : runs) t.push_back(r.served.throughput_tokens_per_s());
        return t;
    }
};

Json policy_json(const PolicyRuns& p) {
    const std::vector<double> t = p.throughputs();
    const PagedRun& first = p.runs.front();
    return {{"throughput_tokens_per_s", spread_of(t).median},
            {"throughput_min", *std::min_element(t.begin(), t.end())},
            {"throughput_max", *std::max_element(t.begin(), t.end())},
            {"mean_running", first.mean_running},
            {"peak_running", first.peak_running},
            {"preemptions", first.preemptions},
            {"steps", first.served.steps},
            {"blocks", blocks_json(first)},
            {"memory", memory_json(first)}};
}

}  // namespace

int run_bench(const Flags& flags, const Gpt2Weights& weights) {
    const Gpt2Config& config = weights.config;
    // Contexts up to 768 tokens, within the window (a smaller model gets fewer).
    std::vector<int> contexts;
    for (int context : {64, 256, 768})
        if (context + kSteps <= config.n_positions) contexts.push_back(context);
    if (contexts.empty())
        throw UserError("--bench needs a model with at least " + std::to_string(64 + kSteps) + " positions; this one has " +
                        std::to_string(config.n_positions));
    const int sweep_context = std::min(512, config.n_positions - kSteps);
    const int shared_prompt = std::min(512, config.n_positions / 2);
    const std::string out_dir = flags.out_dir.empty() ? default_output_dir() : flags.out_dir;
    make_directories(out_dir);
    const std::string csv_path = out_dir + "/ch08_paged_steps.csv", plot_path = out_dir + "/ch08_paged_steps.png";
    { OutputFile check_csv(csv_path, flags.force), check_plot(plot_path, flags.force); }

    // 1. Paged against contiguous: the same batched step, two kinds of cache.
    std::vector<StepRow> rows;
    for (int batch : {1, 8})
        for (int context : contexts) rows.push_back({batch, context, flags.block_size, {}, {}});
    std::vector<std::unique_ptr<StepBench>> benches;
    {
        Progress preparing("preparing the caches", static_cast<int>(rows.size()), "configurations");
        for (const StepRow& r : rows) {
            benches.push_back(std::make_unique<StepBench>(weights, r.batch, r.context, r.block_size));
            preparing.update(static_cast<int>(benches.size()));
        }
        Progress progress("paged vs contiguous decode steps", kRounds * static_cast<int>(rows.size()), "configurations");
        for (int round = 0, done = 0; round < kRounds; ++round)
            for (std::size_t i = 0; i < rows.size(); ++i) {
                benches[i]->run(round % 2 == 0, round % 2 == 0 ? rows[i].paged : rows[i].contiguous);  // alternate first
                benches[i]->run(round % 2 != 0, round % 2 == 0 ? rows[i].contiguous : rows[i].paged);
                progress.update(++done);
            }
    }
    benches.clear();

    // 2. Block sizes at one context and batch: the step time, and the waste on the workload.
    const std::vector<Request> workload = long_workload(config);
    PagedOptions base;
    base.block_size = flags.block_size;
    base.batch = flags.batch_given ? flags.batch : 8;
    base.sampling.temperature = 0;  // greedy: every run does the same work
    base.stop_at_end_of_text = false;
    // The budget: --cache-mib, else 2,304 tokens' worth (162 MiB for GPT-2 small) — less than
    // 8 full-length reservations of this workload need, more than 8 sequences hold on average.
    base.cache_bytes = flags.cache_mib_given ? static_cast<std::uint64_t>(flags.cache_mib) << 20
                                             : 2304 * BlockPool::block_bytes(config, 1);
    struct BlockRow {
        int block_size;
        Timing paged;
        PagedRun run;
    };
    std::vector<BlockRow> block_rows;
    {
        const std::vector<int> sizes = {1, 4, 16, 64, 256};
        Progress progress("block sizes", static_cast<int>(sizes.size()), "sizes");
        for (int S : sizes) {
            BlockRow row{S, {}, {}};
            StepBench bench(weights, 8, sweep_context, S);
            for (int round = 0; round < 3; ++round) bench.run(true, row.paged);
            PagedOptions options = base;
            options.block_size = S;
            options.cache_bytes = 1ULL << 30;  // room for everything: here only the waste counts
            row.run = serve_paged(weights, workload, options);
            block_rows.push_back(std::move(row));
            progress.update(static_cast<int>(block_rows.size()));
        }
    }

    // 3. One budget, two admission rules, alternately.
    PolicyRuns paged_runs, contiguous_runs;
    {
        Progress progress("the workload under one budget, paged and contiguous", 6, "runs");
        for (int round = 0; round < 3; ++round) {
            PagedOptions options = base;
            options.admission = Admission::OnDemand;
            paged_runs.runs.push_back(serve_paged(weights, workload, options));
            progress.update(2 * round + 1);
            options.admission = Admission::Reserve;
            contiguous_runs.runs.push_back(serve_paged(weights, workload, options));
            progress.update(2 * round + 2);
        }
    }

    // 4. Sharing: 8 samples of one 512-token prompt (or half the window), 32 new tokens each.
    std::vector<Request> one(1);
    for (int t = 0; t < shared_prompt; ++t) one[0].prompt_ids.push_back((t * 104729 + 3) % config.vocab_size);
    one[0].max_new_tokens = 32;
    PagedOptions sharing = base;
    sharing.samples = 8;
    sharing.batch = std::max(8, base.batch);
    sharing.sampling.temperature = 1.0;
    sharing.cache_bytes = 512ULL << 20;
    std::fprintf(stderr, "sharing: 8 samples of a %d-token prompt, with and without shared blocks ...\n", shared_prompt);
    const PagedRun shared = serve_paged(weights, one, sharing);
    sharing.admission = Admission::Reserve;  // no sharing: every sample its own copy of the prompt
    const PagedRun unshared = serve_paged(weights, one, sharing);
    // The prompt's blocks are stored once for 8 samples: (8 − 1) of every 8 copies saved.
    const int prompt_blocks = blocks_for(shared_prompt, base.block_size);
    const double prompt_saved = static_cast<double>(shared.peak_shared_blocks) * (sharing.samples - 1) /
                                (static_cast<double>(prompt_blocks) * sharing.samples);

    // The CSV, the plot.
    std::string csv = "batch,context,block_size,contiguous_ms,contiguous_min,contiguous_max,paged_ms,paged_min,paged_max\n";
    for (const StepRow& r : rows)
        csv += format("%d,%d,%d,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f\n", r.batch, r.context, r.block_size,
                      r.contiguous.median() * 1e3, r.contiguous.min() * 1e3, r.contiguous.max() * 1e3,
                      r.paged.median() * 1e3, r.paged.min() * 1e3, r.paged.max() * 1e3);
    write_output_file(csv_path, csv, flags.force);
    bool plotted = false;
    {
        OutputFile picture(plot_path, flags.force);
        plotted = run_gnuplot_file("chapters/08_paged_kv_cache/paged_steps.gp",
                                   {{"csv", csv_path},
                                    {"out", picture.temp_path()},
                                    {"model", weights.is_random ? "GPT-2 124M's shapes, random weights"
                                                                : shown_path(weights.source)}},
                                   picture);
    }

    if (flags.model.json) {
        Json steps = Json::array(), sizes = Json::array();
        for (const StepRow& r : rows)
            steps.push_back({{"batch", r.batch},
                             {"context", r.context},
                             {"block_size", r.block_size},
                             {"contiguous_ms", r.contiguous.median() * 1e3},
                             {"paged_ms", r.paged.median() * 1e3},
                             {"paged_over_contiguous", r.paged.median() / r.contiguous.median()}});
        for (const BlockRow& b : block_rows)
            sizes.push_back({{"block_size", b.block_size},
                             {"paged_ms", b.paged.median() * 1e3},
                             {"waste_paged", b.run.waste_paged},
                             {"waste_contiguous", b.run.waste_contiguous}});
        print_json({{"chapter", "08_paged_kv_cache"},
                    {"mode", "bench"},
                    {"model", weights.source},
                    {"steps", steps},
                    {"block_sizes", sizes},
                    {"workload", {{"requests", static_cast<int>(workload.size())},
                                  {"batch", base.batch},
                                  {"cache_bytes", base.cache_bytes},
                                  {"paged", policy_json(paged_runs)},
                                  {"contiguous", policy_json(contiguous_runs)}}},
                    {"sharing", {{"samples", sharing.samples},
                                 {"prompt_tokens", shared_prompt},
                                 {"peak_used_blocks_shared", shared.peak_used_blocks},
                                 {"peak_used_blocks_unshared", unshared.peak_used_blocks},
                                 {"peak_shared_blocks", shared.peak_shared_blocks},
                                 {"prompt_cache_saved", prompt_saved}}},
                    {"csv", shown_path(csv_path)},
                    {"plot", plotted ? Json(shown_path(plot_path)) : Json(nullptr)}});
        return 0;
    }

    std::printf("\n1. decode step time, paged (blocks of %d, shuffled) vs contiguous — %s, %d steps x %d rounds\n",
                flags.block_size, weights.is_random ? "GPT-2 124M's shapes (random weights)" : shown_path(weights.source).c_str(),
                kSteps, kRounds);
    std::vector<std::vector<std::string>> table;
    for (const StepRow& r : rows)
        table.push_back({std::to_string(r.batch), std::to_string(r.context),
                         format("%.1f (%.1f-%.1f)", r.contiguous.median() * 1e3, r.contiguous.min() * 1e3, r.contiguous.max() * 1e3),
                         format("%.1f (%.1f-%.1f)", r.paged.median() * 1e3, r.paged.min() * 1e3, r.paged.max() * 1e3),
                         format("%+.1f%%", (r.paged.median() / r.contiguous.median() - 1) * 100)});
    std::printf("%s", format_table({"batch", "context", "contiguous ms/step", "paged ms/step", "paged vs contiguous"}, table).c_str());

    std::printf("\n2. block sizes: step time (batch 8, context %d) and memory waste on the workload (%zu requests)\n",
                sweep_context, workload.size());
    table.clear();
    for (const BlockRow& b : block_rows)
        table.push_back({std::to_string(b.block_size), format("%.1f", b.paged.median() * 1e3),
                         format("%.1f%%", b.run.waste_paged * 100), format("%.1f%%", b.run.waste_contiguous * 100)});
    std::printf("%s", format_table({"block size", "paged ms/step", "paged waste", "contiguous waste"}, table).c_str());

    std::printf("\n3. the workload under one budget: %s of KV cache, batch %d, greedy, 3 runs each\n",
                human_bytes(base.cache_bytes).c_str(), base.batch);
    table.clear();
    for (const PolicyRuns* p : {&contiguous_runs, &paged_runs}) {
        const std::vector<double> t = p->throughputs();
        const PagedRun& first = p->runs.front();
        table.push_back({p == &paged_runs ? "paged" : "contiguous", format("%.1f", first.mean_running),
                         std::to_string(first.peak_running), format("%.0f", spread_of(t).median),
                         format("%.0f-%.0f", *std::min_element(t.begin(), t.end()), *std::max_element(t.begin(), t.end())),
                         format("%.1f%%", (p == &paged_runs ? first.waste_paged : first.waste_contiguous) * 100),
                         std::to_string(first.preemptions)});
    }
    std::printf("%s", format_table({"admission", "running (mean)", "running (peak)", "tokens/s", "range", "waste", "preemptions"},
                                   table).c_str());
    std::printf("paged / contiguous throughput: %.2fx\n",
                spread_of(paged_runs.throughputs()).median / spread_of(contiguous_runs.throughputs()).median);

    std::printf("\n4. sharing: %d samples of a %d-token prompt, 32 new tokens each\n", sharing.samples, shared_prompt);
    std::printf("blocks at peak: %d shared vs %d with a copy of the prompt per sample; %d blocks shared at most;\n"
                "the prompt's cache is stored once instead of %d times: %.1f%% of it saved\n",
                shared.peak_used_blocks, unshared.peak_used_blocks, shared.peak_shared_blocks, sharing.samples,
                prompt_saved * 100);
    std::printf("wrote %s\n", shown_path(csv_path).c_str());
    if (plotted) std::printf("wrote %s\n", shown_path(plot_path).c_str());
    return 0;
}

}  // namespace chapter08
