// show.hpp — how chapter 02 shows what main.cpp computes: the walkthrough's printout step by
// step, the real model's report (text or --json) and its heatmap.
#pragma once

#include "02_attention/attention.hpp"       // HeadHabits
#include "03_forward_pass/gpt2_config.hpp"  // Gpt2Config, for step 8's report
#include "01_tokenizer/tokenizer.hpp"       // Tokenizer, for the tokens' labels

#include <armadillo>

#include <optional>
#include <string>
#include <vector>

namespace gpt2::ch02 {

// Attention weights or scores, stored (keys, queries), printed with one row per query:
// row i reads "what token i looks at".
void print_by_query(const char* title, const arma::fmat& m, const std::vector<std::string>& labels);
// A (d, T) matrix with one column per token.
void print_by_token(const char* title, const arma::fmat& m, const std::vector<std::string>& labels);
// What a measured difference means (float32 rounding is ~1e-7 relative).
const char* verdict(float difference);
// One head's weights (T keys, T queries) as the heatmap's CSV: a header row of keys, then one
// row per query (its token first).
std::string heatmap_csv(const arma::fmat& weights, const std::vector<std::string>& labels);

// Step 9's table: the strongest previous-token heads (rows sorted, strongest first), and the
// mean weight on the first token against what uniform attention would give.
struct LayerHeadHabits {
    int layer = 0, head = 0;
    HeadHabits habits;
};
void print_head_habits(const std::vector<LayerHeadHabits>& by_previous, std::size_t tokens);

// --- the walkthrough (steps 1 to 7), on the hand-made example; `words` labels its tokens ---

void print_walkthrough_step1(const std::vector<std::string>& words, const arma::fmat& Q, const arma::fmat& K,
                             const arma::fmat& V);  // each (4, 5)
void print_walkthrough_step2(const std::vector<std::string>& words, const arma::fmat& scores);   // (5, 5)
void print_walkthrough_step3(const std::vector<std::string>& words, const arma::fmat& masked);   // (5, 5)
void print_walkthrough_step4(const std::vector<std::string>& words, const arma::fmat& weights);  // (5, 5)
void print_walkthrough_step5(const std::vector<std::string>& words, const arma::fmat& out);      // (4, 5)
// head_weights: (5, 5) each; merged (4, 5).
void print_walkthrough_step6(const std::vector<std::string>& words, const arma::fmat& head0_weights,
                             const arma::fmat& head1_weights, const arma::fmat& merged);
// out4 (4, 4): attention over the first 4 tokens; new_weights (5, 1) and new_column (4, 1):
// the new token's query alone. Ends with the hint to try a real model.
void print_walkthrough_step7(const std::vector<std::string>& words, const arma::fmat& out4, float earlier_change,
                             const arma::fmat& new_weights, const arma::fmat& new_column, float new_difference);
// --json: step 4's weights (one row per query) and step 7's two differences.
void print_walkthrough_json(const std::vector<std::string>& words, const arma::fmat& weights, float earlier_change,
                            float new_difference);

// --- a real model's head (steps 8 and 9) ---

// One label per token: its text when the tokenizer knows the id, else "<id>".
std::vector<std::string> token_labels(const std::vector<int>& ids, const std::optional<Tokenizer>& tokenizer);

// Step 8's picture: the weights as CSV (always written) and the SVG gnuplot draws from it.
struct Heatmap {
    std::string csv_path, svg_path;
    bool drawn = false;  // false: gnuplot is missing or failed (it warned on stderr)
};
// Writes out_dir/ch02_attention_layerL_headH.{csv,svg} (default out_dir: build/out); an
// existing file this tutorial did not write is kept unless force.
Heatmap write_heatmap(const arma::fmat& weights, const std::vector<std::string>& labels, int layer, int head,
                      bool random_weights, const std::string& out_dir, bool force);  // weights: (T, T)

// The shown head's weights (T keys, T queries), how far this chapter's attend() is from the
// model's own output, the heatmap and every head's habits (strongest previous-token head first).
void print_real_model_report(const std::string& model, const Gpt2Config& c, int layer, int head,
                             const std::vector<std::string>& labels, const arma::fmat& weights,
                             float max_difference_from_model, const Heatmap& heatmap,
                             const std::vector<LayerHeadHabits>& by_previous);
// The same as one JSON object on one line (--json).
void print_real_model_json(const std::string& model, int layer, int head, const std::vector<int>& ids,
                           const std::vector<std::string>& labels, const arma::fmat& weights,
                           float max_difference_from_model, const Heatmap& heatmap,
                           const std::vector<LayerHeadHabits>& by_previous);

}  // namespace gpt2::ch02
