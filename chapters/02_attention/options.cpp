// options.cpp — chapter 02's flags (see options.hpp).
#include "02_attention/options.hpp"

#include "common/errors.hpp"
#include "common/paths.hpp"

namespace gpt2::ch02 {

void add_flags(CliParser& cli, Options& o) {
    o.model.prompt = "The cat sat on the mat because it was tired";
    add_model_flags(cli, o.model);
    cli.option("--layer", o.layer, "L", "layer whose attention to show (0 = first)", 0, 1000000);
    cli.option("--head", o.head, "H", "head to show (0 = first)", 0, 1000000);
    cli.option("--out-dir", o.out_dir, "DIR", "where the heatmap goes (default: " + shown_path(default_output_dir()) + ")");
    cli.flag("--force", o.force, "overwrite an output file this tutorial did not write");
    cli.epilog("Without --model/--prompt/--prompt-ids/--layer/--head: the hand-made walkthrough.\nexamples:\n"
               "  ./chapter02\n  ./chapter02 --prompt \"The cat sat on the mat because it was tired\" --layer 5 --head 1\n"
               "  ./chapter02 --model random --prompt-ids \"464 3797 3332\" --layer 0 --head 0 --json");
}

bool wants_real_model(const CliParser& cli, const Options& o) {
    return cli.given("--model") || o.model.prompt_given || o.model.prompt_ids_given || cli.given("--layer") ||
           cli.given("--head");
}

void require_layer_and_head(const Gpt2Config& c, int layer, int head) {
    if (layer >= c.n_layer)
        throw UserError("--layer " + std::to_string(layer) + ": this model has layers 0 to " +
                        std::to_string(c.n_layer - 1));
    if (head >= c.n_head)
        throw UserError("--head " + std::to_string(head) + ": this model has heads 0 to " + std::to_string(c.n_head - 1));
}

}  // namespace gpt2::ch02
