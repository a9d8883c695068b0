// options.hpp — chapter 02's flags: chapter 03's model flags, which head to show (--layer,
// --head) and where its heatmap goes (--out-dir, --force).
#pragma once

#include "03_forward_pass/gpt2_config.hpp"
#include "03_forward_pass/model_flags.hpp"
#include "common/cli.hpp"

#include <string>

namespace gpt2::ch02 {

struct Options {
    ModelFlags model;  // its prompt defaults to the chapter's sample sentence
    int layer = 0, head = 0;
    std::string out_dir;  // empty: build/out
    bool force = false;
};

// Declares every flag on `cli`, filling `o`.
void add_flags(CliParser& cli, Options& o);
// After cli.parse() and apply_model_flags(): whether a flag asks for a real model's head
// (steps 8 and 9); without one the program walks through the hand-made example.
bool wants_real_model(const CliParser& cli, const Options& o);
// UserError naming the flag when --layer or --head is past the model's last one.
void require_layer_and_head(const Gpt2Config& c, int layer, int head);

}  // namespace gpt2::ch02
