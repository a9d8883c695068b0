// chapter 03 — the GPT-2 forward pass: from token ids to next-token probabilities.
//
// Adds: the whole model (chapters/03_forward_pass/forward.cpp) — embeddings, 12 pre-LayerNorm blocks
// (attention from chapter 02 + an MLP), the final LayerNorm and the logits — run on real
// GPT-2 weights (or the built-in random model when data/gpt2 is absent).
// Builds on: chapter 01 (the tokenizer turns the prompt into ids) and chapter 02 (attention).
// Run:   make chapter03 && ./chapter03 --prompt "The cat sat on the"
//        ./chapter03 --trace          every stage's shape and (mean, std)
//        ./chapter03 --json           one JSON object: prompt_ids, last_logits, top-10, timing
#include "common/cli.hpp"
#include "common/errors.hpp"
#include "03_forward_pass/forward.hpp"
#include "common/json_out.hpp"
#include "03_forward_pass/model_flags.hpp"
#include "common/report.hpp"
#include "common/timing.hpp"
#include "01_tokenizer/tokenizer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

namespace {

struct TraceRow {
    std::string stage;
    arma::uword rows, cols;
    double mean, std;
};

struct Candidate {
    int id;
    float logit;
    double probability;
};

// A token as text for the terminal, or <id> when no tokenizer is at hand.
std::string token_text(const gpt2::Tokenizer* tokenizer, int id) {
    if (!tokenizer || id >= tokenizer->vocab_size()) return "<" + std::to_string(id) + ">";
    return tokenizer->decode({id});
}

// Quoted and escaped like a JSON string: spaces, newlines and half-characters stay visible.
std::string shown(const std::string& text) { return gpt2::json_dump(gpt2::Json(text)); }

// --- 1. Load the weights (the summary) ---
void print_summary(const gpt2::Gpt2Weights& w, double load_s) {
    const gpt2::Gpt2Config& c = w.config;
    std::printf("model: %s\n", w.source.c_str());
    std::printf("  %d layers, %d heads of %d dims, n_embd %d, window %d tokens, vocabulary %d\n", c.n_layer,
                c.n_head, c.head_dim(), c.n_embd, c.n_positions, c.vocab_size);
    std::printf("  parameters: %s (%s bytes of float32 weights, output projection %s)\n",
                gpt2::with_commas(c.parameter_count()).c_str(), gpt2::with_commas(w.bytes()).c_str(),
                w.lm_head.n_elem ? "separate" : "tied to wte");
    std::printf("  loaded in %.2f s; peak resident memory so far %.1f MB\n", load_s, gpt2::peak_rss_bytes() / 1e6);
}

// --- 8. From logits to probabilities: the top 10 ---
// [listing:ch03_top_k]
// softmax over the whole vocabulary (in double, max subtracted), then the 10 most likely.
std::vector<Candidate> top_k(const arma::fvec& logits, int k) {
    const double max = logits.max();
    double sum = 0.0;
    for (float v : logits) sum += std::exp(static_cast<double>(v) - max);
    std::vector<int> order(logits.n_elem);
    std::iota(order.begin(), order.end(), 0);
    k = std::min<int>(k, static_cast<int>(order.size()));
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });
    std::vector<Candidate> top;
    for (int i = 0; i < k; ++i)
        top.push_back({order[i], logits[order[i]], std::exp(static_cast<double>(logits[order[i]]) - max) / sum});
    return top;
}
// [/listing]

int body(int argc, char** argv) {
    gpt2::ModelFlags flags;
    flags.prompt = "The cat sat on the";
    bool trace = false;
    gpt2::CliParser cli("chapter03", "Run GPT-2's forward pass on a prompt and show the next-token probabilities.");
    gpt2::add_model_flags(cli, flags);
    cli.flag("--trace", trace, "print every stage's shape and (mean, std), to compare with your own code");
    cli.epilog("examples:\n  ./chapter03 --prompt \"Hello, my name is\"\n  ./chapter03 --prompt-ids \"15496 995\" "
               "--json\n  ./chapter03 --model random --trace");
    if (!cli.parse(argc, argv)) return 0;
    gpt2::apply_model_flags(cli, flags);

    // --- 1. Load the weights ---
    // [listing:ch03_load]
    gpt2::Stopwatch load_clock;
    const gpt2::Gpt2Weights weights = gpt2::load_model(flags);
    const double load_s = load_clock.seconds();
    const std::uint64_t peak_after_load = gpt2::peak_rss_bytes();  // the weights, held once
    // [/listing]

    // --- The prompt as ids (chapter 01) ---
    // Text needs the tokenizer; without it, ids given as --prompt-ids are shown as numbers.
    const std::optional<gpt2::Tokenizer> tokenizer = gpt2::load_tokenizer_if_possible(flags);
    const std::vector<int> ids = gpt2::prompt_ids(flags, weights.config, tokenizer);

    // --- 2.–7. The forward pass: chapters/03_forward_pass/forward.cpp, one README step per stage ---
    std::vector<TraceRow> rows;
    gpt2::TraceFn record = [&rows](const std::string& stage, const arma::fmat& value) {
        const arma::vec v = arma::conv_to<arma::vec>::from(arma::vectorise(value));
        const double mean = arma::mean(v);
        rows.push_back({stage, value.n_rows, value.n_cols, std::abs(mean) < 5e-7 ? 0.0 : mean,  // no "-0.000000"
                        v.n_elem > 1 ? arma::stddev(v, 1) : 0.0});
    };
    gpt2::Stopwatch forward_clock;
    arma::fvec last_logits;  // (vocab)
    if (trace) {
        const arma::fmat logits = gpt2::forward(weights, ids, &record);  // (vocab, T)
        last_logits = logits.col(logits.n_cols - 1);
    } else {
        last_logits = gpt2::forward_last(weights, ids);  // only the last column through wteᵀ
    }
    const double forward_s = forward_clock.seconds();
    const std::vector<Candidate> top = top_k(last_logits, 10);

    if (flags.json) {
        gpt2::Json out = {{"model", weights.source},
                          {"random", weights.is_random},
                          {"parameters", weights.config.parameter_count()},
                          {"prompt_ids", ids},
                          {"top", gpt2::Json::array()}};
        for (const Candidate& candidate : top)
            out["top"].push_back({{"id", candidate.id},
                                  {"token", token_text(tokenizer ? &*tokenizer : nullptr, candidate.id)},
                                  {"probability", candidate.probability},
                                  {"logit", candidate.logit}});
        if (trace) {
            out["trace"] = gpt2::Json::array();
            for (const auto& row : rows)
                out["trace"].push_back({{"stage", row.stage},
                                        {"shape", {row.rows, row.cols}},
                                        {"mean", row.mean},
                                        {"std", row.std}});
        }
        out["timing"] = {{"load_s", load_s}, {"forward_s", forward_s}};
        out["peak_rss_after_load_bytes"] = peak_after_load;
        out["last_logits"] = std::vector<float>(last_logits.begin(), last_logits.end());
        gpt2::print_json(out);
        return 0;
    }

    print_summary(weights, load_s);
    std::printf("\nprompt: %zu tokens\n", ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i)
        std::printf("  %3zu  %6d  %s\n", i, ids[i], shown(token_text(tokenizer ? &*tokenizer : nullptr, ids[i])).c_str());

    if (trace) {
        std::printf("\ntrace (shape rows x columns, mean and std over all elements):\n");
        for (const TraceRow& r : rows)
            std::printf("  %-18s (%5llu, %4llu)  mean %+.6f  std %.6f\n", r.stage.c_str(),
                        static_cast<unsigned long long>(r.rows), static_cast<unsigned long long>(r.cols), r.mean, r.std);
    }

    std::printf("\nforward pass over %zu tokens: %.3f s\n", ids.size(), forward_s);
    std::printf("top-10 next tokens after the last position:\n");
    std::vector<std::vector<std::string>> table;
    for (std::size_t i = 0; i < top.size(); ++i)
        table.push_back({std::to_string(i + 1), std::to_string(top[i].id), shown(token_text(tokenizer ? &*tokenizer : nullptr, top[i].id)),
                         gpt2::format("%.4f", top[i].probability), gpt2::format("%.3f", top[i].logit)});
    std::fputs(gpt2::format_table({"rank", "id", "token", "probability", "logit"}, table).c_str(), stdout);
    return 0;
}

}  // namespace

int main(int argc, char** argv) { return gpt2::run_program("chapter03", argc, argv, body); }
