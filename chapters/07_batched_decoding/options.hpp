// options.hpp — chapter 07's flags (scripts call them exactly so):
//   ./chapter07 [--model M] [--requests FILE | -p TEXT | --prompt-ids IDS] [-n N] [--batch B]
//               [--batching continuous|static] [sampling flags of chapters 04/05] [-s SEED]
//               [--verify] [--bench [--bench-batches "1 2 4 ..."]] [--json]
// Chapter 08 serves requests too: it declares the same serving flags (add_serving_flags) and
// reads the requests the same way (requests_from_flags).
#pragma once

#include "03_forward_pass/model_flags.hpp"        // --model, -p, --prompt-ids, --json (chapter 03)
#include "04_naive_decode/generation_flags.hpp"   // -n, sampling flags, --seed (chapter 04)
#include "07_batched_decoding/requests.hpp"
#include "common/cli.hpp"

#include <optional>
#include <string>
#include <vector>

namespace chapter07 {

// The flags every serving chapter has.
struct ServingFlags {
    gpt2::ModelFlags model;
    gpt2::GenerationFlags generation;
    std::string requests;                  // --requests FILE (JSON Lines)
    int batch = 4;                         // --batch B
    bool verify = false;                   // --verify
    bool bench = false;                    // --bench
    std::string out_dir;                   // --out-dir (default: build/out)
    bool force = false;                    // --force
    bool new_tokens_given = false;         // -n was on the command line (it then overrides the built-in limits)
    bool batch_given = false;              // --batch was on the command line (--bench's workload then uses it)
};
// Declares them on `cli` (`bench_help` says what this chapter's --bench measures).
void add_serving_flags(gpt2::CliParser& cli, ServingFlags& flags, const std::string& bench_help);
// After cli.parse(): which flags were given; --bench times GPT-2 124M's shapes by default.
void apply_serving_flags(const gpt2::CliParser& cli, ServingFlags& flags);
// The requests: the --requests file, the one -p / --prompt-ids request, or the built-in queue.
std::vector<gpt2::Request> requests_from_flags(const ServingFlags& flags, const gpt2::Gpt2Config& config,
                                               const gpt2::GenerationOptions& generation,
                                               const std::optional<gpt2::Tokenizer>& tokenizer);

struct Flags : ServingFlags {
    std::string batching = "continuous";   // --batching continuous|static
    std::string bench_batches = "1 2 4 8 16 32";
};

// Declares and parses chapter 07's flags; false when --help was printed.
bool parse_flags(int argc, char** argv, Flags& flags);

}  // namespace chapter07
