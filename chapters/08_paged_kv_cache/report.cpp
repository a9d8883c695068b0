#include "08_paged_kv_cache/report.hpp"

#include "07_batched_decoding/report.hpp"  // the sequences' texts and table, the totals (chapter 07)
#include "common/paths.hpp"
#include "common/report.hpp"

#include <cstdio>

namespace chapter08 {

using namespace gpt2;

namespace {

std::vector<std::string> labels_of(const PagedRun& run, int samples) {
    std::vector<std::string> labels;
    for (std::size_t i = 0; i < run.request_of.size(); ++i)
        labels.push_back(samples > 1 ? format("%d.%d", run.request_of[i], run.sample_of[i])
                                     : std::to_string(run.request_of[i]));
    return labels;
}

}  // namespace

void print_run(const PagedRun& run, const Tokenizer* tokenizer, const PagedOptions& options, const std::string& model) {
    std::printf("model: %s; %s cache: %d blocks of %d tokens (%s each, %s in all); batch %d; sampling: %s\n\n",
                shown_path(model).c_str(), admission_name(options.admission), run.total_blocks, run.block_size,
                human_bytes(run.block_bytes).c_str(), human_bytes(run.block_bytes * run.total_blocks).c_str(),
                options.batch, options.sampling.describe().c_str());
    chapter07::print_sequences(run.served, tokenizer, labels_of(run, options.samples));
    chapter07::print_totals(run.served);
    std::printf("sequences per step: %.1f on average, %d at most; preemptions: %d\n", run.mean_running,
                run.peak_running, run.preemptions);
    std::printf("blocks: %d at most in use (%s), %d at most shared; every block free at the end: %s\n",
                run.peak_used_blocks, human_bytes(run.paged_peak_bytes).c_str(), run.peak_shared_blocks,
                run.leak_free ? "yes" : "NO");
    std::printf("memory not holding a token, over every step: %.1f%% of the allocated blocks; a contiguous cache "
                "reserving each sequence's full length would waste %.1f%% (peak reservation %s)\n",
                run.waste_paged * 100, run.waste_contiguous * 100, human_bytes(run.contiguous_reserved_peak_bytes).c_str());
}

Json blocks_json(const PagedRun& run) {
    return {{"block_size", run.block_size},
            {"total", run.total_blocks},
            {"peak_used", run.peak_used_blocks},
            {"peak_shared", run.peak_shared_blocks},
            {"block_bytes", run.block_bytes},
            {"all_free_at_end", run.leak_free}};
}

Json memory_json(const PagedRun& run) {
    return {{"contiguous_reserved_bytes", run.contiguous_reserved_peak_bytes},
            {"paged_peak_bytes", run.paged_peak_bytes},
            {"waste_contiguous", run.waste_contiguous},
            {"waste_paged", run.waste_paged}};
}

Json run_json(const PagedRun& run, const Tokenizer* tokenizer, const PagedOptions& options, const std::string& model) {
    ServeOptions serve_options;  // chapter 07's report reads the sampling settings from here
    serve_options.sampling = options.sampling;
    Json out = chapter07::served_json(run.served, tokenizer, serve_options, model);
    out["chapter"] = "08_paged_kv_cache";
    out.erase("batching");
    out["batch"] = options.batch;
    out["admission"] = admission_name(options.admission);
    out["samples"] = options.samples;
    for (std::size_t i = 0; i < run.sample_of.size(); ++i) out["requests"][i]["sample"] = run.sample_of[i];
    out["blocks"] = blocks_json(run);
    out["memory"] = memory_json(run);
    out["scheduling"] = {{"peak_running", run.peak_running},
                         {"mean_running", run.mean_running},
                         {"preemptions", run.preemptions}};
    return out;
}

}  // namespace chapter08
