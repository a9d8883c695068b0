// chapter 02 — attention: how each token looks at the tokens before it.
//
// Adds: scaled dot-product attention built from its parts (chapters/02_attention/attention.cpp) — scores,
// the causal mask, a numerically stable softmax, the weighted sum of values, several heads —
// and the property the KV cache of chapter 05 relies on, shown with numbers.
// Builds on: chapter 01 (token ids); the real-model part uses the forward pass of chapter 03.
// Run:   make chapter02 && ./chapter02                    the walkthrough on "The cat sat on the"
//        ./chapter02 --prompt "The cat sat on the mat" --layer 5 --head 1
//                                                          a real head's weights + a heatmap
#include "02_attention/attention.hpp"
#include "02_attention/show.hpp"  // printing matrices, the heatmap's CSV
#include "common/cli.hpp"
#include "common/errors.hpp"
#include "03_forward_pass/forward.hpp"
#include "common/json_out.hpp"
#include "03_forward_pass/model_flags.hpp"
#include "common/paths.hpp"
#include "common/report.hpp"
#include "01_tokenizer/tokenizer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

using gpt2::ch02::heatmap_csv;
using gpt2::ch02::print_head_habits;
using gpt2::ch02::print_by_query;
using gpt2::ch02::print_by_token;
using gpt2::ch02::verdict;

const std::vector<std::string> WORDS = {"The", " cat", " sat", " on", " the"};

// --- 1. Queries, keys and values ---
// A hand-made example, d = 4. Read the rows as features: (noun, verb, preposition, determiner).
// A key says what a token IS; a query says what a token LOOKS FOR; a value is what it passes on.
struct Example {
    arma::fmat Q, K, V;  // each (4, 5): one column per token of "The cat sat on the"
};

Example hand_made_example() {
    Example ex;
    // [listing:ch02_example]
    ex.K = {{0, 1, 0, 0, 0},   // noun:         " cat"
            {0, 0, 1, 0, 0},   // verb:         " sat"
            {0, 0, 0, 1, 0},   // preposition:  " on"
            {1, 0, 0, 0, 1}};  // determiner:   "The", " the"
    ex.Q = {{0, 0, 4, 0, 0},   // " sat" looks for a noun (who sat?)
            {0, 0, 0, 4, 0},   // " on" looks for a verb
            {0, 0, 0, 0, 4},   // " the" looks for a preposition
            {2, 2, 0, 0, 0}};  // "The", " cat" look for a determiner
    ex.V = {{1, 0, 0, 0, 1},   // what each token passes on: here just "which token I am",
            {0, 1, 0, 0, 0},   // so an output column reads as a mix of tokens
            {0, 0, 1, 0, 0},
            {0, 0, 0, 1, 0}};
    // [/listing]
    return ex;
}

int walkthrough(bool json) {
    const Example ex = hand_made_example();
    if (!json) {
        std::printf("A hand-made example: 5 tokens, d = 4 (rows: noun, verb, preposition, determiner)\n\n");
        std::printf("== Step 1: queries, keys, values ==\n");
        print_by_token("K (4, 5): what each token is", ex.K, WORDS);
        print_by_token("Q (4, 5): what each token looks for", ex.Q, WORDS);
        print_by_token("V (4, 5): what each token passes on", ex.V, WORDS);
    }

    // --- 2. Scores ---
    arma::fmat scores = gpt2::attention_scores(ex.Q, ex.K);  // (5 keys, 5 queries) = KᵀQ/√4
    // --- 3. The causal mask ---
    arma::fmat masked = scores;
    gpt2::apply_causal_mask(masked, 0);
    // --- 4. Softmax ---
    arma::fmat weights = masked;
    gpt2::softmax_columns(weights);  // each query's column sums to 1
    // --- 5. The weighted sum of values ---
    arma::fmat out = ex.V * weights;  // (4, 5)
    if (!json) {
        std::printf("== Step 2: scores = K^T Q / sqrt(d) ==\n");
        print_by_query("scores (printed with one row per query)", scores, WORDS);
        std::printf("== Step 3: the causal mask (a query may not look at later tokens) ==\n");
        print_by_query("masked scores", masked, WORDS);
        std::printf("== Step 4: softmax of each query's scores ==\n");
        print_by_query("attention weights (each row sums to 1)", weights, WORDS);
        std::printf("== Step 5: output = V . weights ==\n");
        print_by_token("output (4, 5): each column mixes the value columns by that query's weights", out, WORDS);
    }

    // --- 6. Several heads ---
    // Two heads of 2 dims: head 0 sees rows (noun, verb), head 1 rows (preposition, determiner).
    const arma::fcube q = gpt2::split_heads(ex.Q, 2), k = gpt2::split_heads(ex.K, 2), v = gpt2::split_heads(ex.V, 2);
    arma::fmat head_weights[2];
    arma::fcube head_out(2, 5, 2);
    for (int h = 0; h < 2; ++h) head_out.slice(h) = gpt2::attend(q.slice(h), k.slice(h), v.slice(h), 0, &head_weights[h]);
    const arma::fmat merged = gpt2::merge_heads(head_out);  // (4, 5)
    if (!json) {
        std::printf("== Step 6: two heads of 2 dims each: split, attend, merge ==\n");
        print_by_query("head 0 (rows noun, verb) weights", head_weights[0], WORDS);
        print_by_query("head 1 (rows preposition, determiner) weights", head_weights[1], WORDS);
        print_by_token("merged output (4, 5): head 0's 2 rows, then head 1's", merged, WORDS);
    }

    // --- 7. The property the KV cache relies on ---
    // [listing:ch02_kv_property]
    // Attention over the first 4 tokens, then over all 5: the first 4 output columns must not change.
    const arma::fmat out4 = gpt2::attend(ex.Q.head_cols(4), ex.K.head_cols(4), ex.V.head_cols(4), 0);  // (4, 4)
    const float earlier_change = arma::abs(out.head_cols(4) - out4).max();
    // The new token's output from its query alone, against all 5 keys and values (position 4).
    arma::fmat new_weights;
    const arma::fmat new_column = gpt2::attend(ex.Q.tail_cols(1), ex.K, ex.V, 4, &new_weights);  // (4, 1)
    const float new_difference = arma::abs(new_column - out.tail_cols(1)).max();
    // [/listing]
    if (!json) {
        std::printf("== Step 7: append a token — what changes? ==\n");
        print_by_token("output over \"The cat sat on\" (4 tokens)", out4, WORDS);
        std::printf("output over all 5 tokens, first 4 columns: max |change| = %g  (%s)\n", earlier_change,
                    verdict(earlier_change));
        print_by_query("the new token alone: its query against all 5 keys", new_weights, WORDS);
        print_by_token("its output column", new_column, {WORDS[4]});
        std::printf("compared with column 5 of the full computation: max |difference| = %g  (%s)\n", new_difference,
                    verdict(new_difference));
        std::printf("work: the full recomputation scores 5 x 5 = 25 query-key pairs; the new token alone 5.\n");
        std::printf("So keep K and V of earlier tokens (the KV cache) and compute only the new token's q, k, v.\n\n");
        std::printf("Next: a real model's heads — ./chapter02 --prompt \"...\" --layer L --head H\n");
        return 0;
    }
    gpt2::Json rows = gpt2::Json::array();
    for (arma::uword qi = 0; qi < weights.n_cols; ++qi)
        rows.push_back(std::vector<float>(weights.colptr(qi), weights.colptr(qi) + weights.n_rows));
    gpt2::print_json({{"tokens", WORDS},
                      {"weights", rows},
                      {"kv_cache_property", {{"earlier_rows_max_change", earlier_change},
                                             {"new_row_max_difference", new_difference}}}});
    return 0;
}

// --- 8. A real model's attention ---

int real_model(const gpt2::ModelFlags& flags, int layer, int head, const std::string& out_dir, bool force) {
    const gpt2::Gpt2Weights weights = gpt2::load_model(flags);
    const gpt2::Gpt2Config& c = weights.config;
    if (layer >= c.n_layer)
        throw gpt2::UserError("--layer " + std::to_string(layer) + ": this model has layers 0 to " +
                              std::to_string(c.n_layer - 1));
    if (head >= c.n_head)
        throw gpt2::UserError("--head " + std::to_string(head) + ": this model has heads 0 to " +
                              std::to_string(c.n_head - 1));
    const std::optional<gpt2::Tokenizer> tokenizer = gpt2::load_tokenizer_if_possible(flags);
    const std::vector<int> ids = gpt2::prompt_ids(flags, c, tokenizer);
    std::vector<std::string> labels;
    for (int id : ids)
        labels.push_back(tokenizer && id < tokenizer->vocab_size() ? tokenizer->decode({id}) : "<" + std::to_string(id) + ">");

    // Run the model, keeping every layer's q, k, v and layer L's attention output (the trace
    // of chapter 03).
    const std::string heads_stage = "h" + std::to_string(layer) + ".attn.heads";
    std::vector<arma::fmat> qkv(c.n_layer);  // each (3·n_embd, T)
    arma::fmat model_heads;                  // (n_embd, T)
    gpt2::TraceFn keep = [&](const std::string& stage, const arma::fmat& value) {
        for (int l = 0; l < c.n_layer; ++l)
            if (stage == "h" + std::to_string(l) + ".attn.qkv") qkv[l] = value;
        if (stage == heads_stage) model_heads = value;
    };
    gpt2::forward(weights, ids, &keep);

    // This chapter's functions on one head's rows: the same weights the model used.
    const int d = c.head_dim(), n = c.n_embd;
    auto head_weights = [&](int l, int h, arma::fmat* out) {  // fills (T keys, T queries); returns the output
        const int r = h * d;
        return gpt2::attend(qkv[l].rows(r, r + d - 1), qkv[l].rows(n + r, n + r + d - 1),
                            qkv[l].rows(2 * n + r, 2 * n + r + d - 1), 0, out);
    };
    arma::fmat w;  // (T keys, T queries)
    const arma::fmat head_out = head_weights(layer, head, &w);
    const int r = head * d;
    const float agreement = arma::abs(head_out - model_heads.rows(r, r + d - 1)).max();

    const std::string dir = out_dir.empty() ? gpt2::default_output_dir() : out_dir;
    const std::string name = gpt2::format("ch02_attention_layer%d_head%d", layer, head);
    const std::string csv_path = dir + "/" + name + ".csv", path = dir + "/" + name + ".svg";
    gpt2::write_output_file(csv_path, heatmap_csv(w, labels), force);
    gpt2::OutputFile picture(path, force);
    const std::string title = gpt2::format("GPT-2 attention weights, layer %d head %d%s", layer, head,
                                           weights.is_random ? " (random weights)" : "");
    const bool drawn = gpt2::run_gnuplot_file("chapters/02_attention/heatmap.gp",
                                              {{"csv", csv_path},
                                               {"out", picture.temp_path()},
                                               {"title", title},
                                               {"tokens", std::to_string(ids.size())}},
                                              picture);

    // --- 9. What trained heads do: look at the previous token, or rest on the first ---
    using Habit = gpt2::ch02::LayerHeadHabits;
    std::vector<Habit> by_previous;  // every head, then sorted: strongest previous-token head first
    if (ids.size() >= 2)
        for (int l = 0; l < c.n_layer; ++l)
            for (int h = 0; h < c.n_head; ++h) {
                arma::fmat weights_lh;
                head_weights(l, h, &weights_lh);
                by_previous.push_back({l, h, gpt2::head_habits(weights_lh)});
            }
    std::sort(by_previous.begin(), by_previous.end(),
              [](const Habit& a, const Habit& b) { return a.habits.previous_token > b.habits.previous_token; });

    if (flags.json) {
        gpt2::Json heads = gpt2::Json::array();  // every head, strongest previous-token head first
        for (const Habit& h : by_previous)
            heads.push_back({{"layer", h.layer}, {"head", h.head}, {"previous_token", h.habits.previous_token},
                             {"first_token", h.habits.first_token}});
        gpt2::Json rows = gpt2::Json::array();  // one row per query, one number per key
        for (arma::uword q = 0; q < w.n_cols; ++q) rows.push_back(std::vector<float>(w.colptr(q), w.colptr(q) + w.n_rows));
        gpt2::print_json({{"model", weights.source},
                          {"layer", layer},
                          {"head", head},
                          {"prompt_ids", ids},
                          {"tokens", labels},
                          {"weights", rows},
                          {"max_difference_from_model", agreement},
                          {"heatmap", drawn ? gpt2::Json(gpt2::shown_path(path)) : gpt2::Json(nullptr)},
                          {"heads", heads}});
        return 0;
    }
    std::printf("model: %s — layer %d of %d, head %d of %d (head_dim %d)\n", gpt2::shown_path(weights.source).c_str(), layer, c.n_layer,
                head, c.n_head, d);
    std::printf("prompt: %zu tokens\n\n", ids.size());
    const arma::uword shown = std::min<arma::uword>(w.n_cols, 16);
    print_by_query(shown < w.n_cols ? "attention weights (first 16 tokens; the heatmap has all)" : "attention weights",
                   w.submat(0, 0, shown - 1, shown - 1), labels);
    std::printf("recomputed with this chapter's attend() from the model's q, k, v: max |difference| from the\n"
                "model's own attention output = %g\n", agreement);
    if (drawn) std::printf("heatmap: %s (its numbers: %s)\n", gpt2::shown_path(path).c_str(),
                           gpt2::shown_path(csv_path).c_str());
    print_head_habits(by_previous, ids.size());
    return 0;
}

int body(int argc, char** argv) {
    gpt2::ModelFlags flags;
    flags.prompt = "The cat sat on the mat because it was tired";
    int layer = 0, head = 0;
    std::string out_dir;
    bool force = false;
    gpt2::CliParser cli("chapter02", "Attention from its parts on a hand-made example; with a model, one real "
                                     "head's weights and a heatmap.");
    gpt2::add_model_flags(cli, flags);
    cli.option("--layer", layer, "L", "layer whose attention to show (0 = first)", 0, 1000000);
    cli.option("--head", head, "H", "head to show (0 = first)", 0, 1000000);
    cli.option("--out-dir", out_dir, "DIR", "where the heatmap goes (default: " + gpt2::shown_path(gpt2::default_output_dir()) + ")");
    cli.flag("--force", force, "overwrite an output file this tutorial did not write");
    cli.epilog("Without --model/--prompt/--prompt-ids/--layer/--head: the hand-made walkthrough.\nexamples:\n"
               "  ./chapter02\n  ./chapter02 --prompt \"The cat sat on the mat because it was tired\" --layer 5 --head 1\n"
               "  ./chapter02 --model random --prompt-ids \"464 3797 3332\" --layer 0 --head 0 --json");
    if (!cli.parse(argc, argv)) return 0;
    gpt2::apply_model_flags(cli, flags);
    const bool real = cli.given("--model") || flags.prompt_given || flags.prompt_ids_given || cli.given("--layer") ||
                      cli.given("--head");
    return real ? real_model(flags, layer, head, out_dir, force) : walkthrough(flags.json);
}

}  // namespace

int main(int argc, char** argv) { return gpt2::run_program("chapter02", argc, argv, body); }
