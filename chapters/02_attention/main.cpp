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
#include "02_attention/options.hpp"  // the flags
#include "02_attention/show.hpp"     // each step's printout, the heatmap, the real model's report
#include "common/cli.hpp"
#include "common/errors.hpp"
#include "03_forward_pass/forward.hpp"
#include "03_forward_pass/model_flags.hpp"
#include "01_tokenizer/tokenizer.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace {

// Options, add_flags (options.hpp); print_walkthrough_step1 … 7, write_heatmap, print_real_model_* (show.hpp)
using namespace gpt2::ch02;

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
    if (!json) print_walkthrough_step1(WORDS, ex.Q, ex.K, ex.V);

    // --- 2. Scores ---
    arma::fmat scores = gpt2::attention_scores(ex.Q, ex.K);  // (5 keys, 5 queries) = KᵀQ/√4
    if (!json) print_walkthrough_step2(WORDS, scores);
    // --- 3. The causal mask ---
    arma::fmat masked = scores;
    gpt2::apply_causal_mask(masked, 0);
    if (!json) print_walkthrough_step3(WORDS, masked);
    // --- 4. Softmax ---
    arma::fmat weights = masked;
    gpt2::softmax_columns(weights);  // each query's column sums to 1
    if (!json) print_walkthrough_step4(WORDS, weights);
    // --- 5. The weighted sum of values ---
    arma::fmat out = ex.V * weights;  // (4, 5)
    if (!json) print_walkthrough_step5(WORDS, out);

    // --- 6. Several heads ---
    // Two heads of 2 dims: head 0 sees rows (noun, verb), head 1 rows (preposition, determiner).
    const arma::fcube q = gpt2::split_heads(ex.Q, 2), k = gpt2::split_heads(ex.K, 2), v = gpt2::split_heads(ex.V, 2);
    arma::fmat head_weights[2];  // each (5 keys, 5 queries)
    arma::fcube head_out(2, 5, 2);
    for (int h = 0; h < 2; ++h) head_out.slice(h) = gpt2::attend(q.slice(h), k.slice(h), v.slice(h), 0, &head_weights[h]);
    const arma::fmat merged = gpt2::merge_heads(head_out);  // (4, 5)
    if (!json) print_walkthrough_step6(WORDS, head_weights[0], head_weights[1], merged);

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
    if (json) print_walkthrough_json(WORDS, weights, earlier_change, new_difference);
    else print_walkthrough_step7(WORDS, out4, earlier_change, new_weights, new_column, new_difference);
    return 0;
}

// --- 8. A real model's attention ---

int real_model(const gpt2::ModelFlags& flags, int layer, int head, const std::string& out_dir, bool force) {
    const gpt2::Gpt2Weights weights = gpt2::load_model(flags);
    const gpt2::Gpt2Config& c = weights.config;
    require_layer_and_head(c, layer, head);
    const std::optional<gpt2::Tokenizer> tokenizer = gpt2::load_tokenizer_if_possible(flags);
    const std::vector<int> ids = gpt2::prompt_ids(flags, c, tokenizer);
    const std::vector<std::string> labels = token_labels(ids, tokenizer);

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

    const Heatmap heatmap = write_heatmap(w, labels, layer, head, weights.is_random, out_dir, force);

    // --- 9. What trained heads do: look at the previous token, or rest on the first ---
    using Habit = LayerHeadHabits;
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

    if (flags.json) print_real_model_json(weights.source, layer, head, ids, labels, w, agreement, heatmap, by_previous);
    else print_real_model_report(weights.source, c, layer, head, labels, w, agreement, heatmap, by_previous);
    return 0;
}

int body(int argc, char** argv) {
    Options o;
    gpt2::CliParser cli("chapter02", "Attention from its parts on a hand-made example; with a model, one real "
                                     "head's weights and a heatmap.");
    add_flags(cli, o);
    if (!cli.parse(argc, argv)) return 0;
    gpt2::apply_model_flags(cli, o.model);
    return wants_real_model(cli, o) ? real_model(o.model, o.layer, o.head, o.out_dir, o.force) : walkthrough(o.model.json);
}

}  // namespace

int main(int argc, char** argv) { return gpt2::run_program("chapter02", argc, argv, body); }
