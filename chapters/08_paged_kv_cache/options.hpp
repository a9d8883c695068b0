// options.hpp — chapter 08's flags (scripts call them exactly so):
//   ./chapter08 [--model M] [--requests FILE | -p TEXT | --prompt-ids IDS] [-n N] [--batch B]
//               [--block-size S] [--cache-mib M] [--samples K] [--admission paged|contiguous]
//               [sampling flags] [-s SEED] [--verify] [--bench] [--json]
// --requests, -p, --prompt-ids, -n, --batch, --verify, --bench, --json: as in chapter 07.
#pragma once

#include "07_batched_decoding/options.hpp"  // the serving flags and the requests (chapter 07)

#include <string>

namespace chapter08 {

struct Flags : chapter07::ServingFlags {
    Flags() { batch = 8; }
    int block_size = 16;                 // --block-size S: tokens per block
    int cache_mib = 256;                 // --cache-mib M: the pool's memory
    int samples = 1;                     // --samples K: continuations per request, sharing the prompt
    std::string admission = "paged";     // --admission paged|contiguous
    bool cache_mib_given = false;
};

// Declares and parses the flags; false when --help was printed.
bool parse_flags(int argc, char** argv, Flags& flags);

}  // namespace chapter08
