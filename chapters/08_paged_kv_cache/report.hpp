// report.hpp — what chapter 08 prints: every sequence's text, the blocks and the memory
// (text, or the --json object: chapter 07's fields plus "blocks" and "memory").
#pragma once

#include "07_batched_decoding/verify.hpp"   // RequestCheck (chapter 07)
#include "08_paged_kv_cache/paged_server.hpp"
#include "01_tokenizer/tokenizer.hpp"
#include "common/json_out.hpp"

#include <string>
#include <vector>

namespace chapter08 {

void print_run(const gpt2::PagedRun& run, const gpt2::Tokenizer* tokenizer, const gpt2::PagedOptions& options,
               const std::string& model);
// {"requests": [... chapter 07's fields, + "sample"], "timing": {...}, "blocks": {block_size, total,
//  peak_used, peak_shared}, "memory": {contiguous_reserved_bytes, paged_peak_bytes,
//  waste_contiguous, waste_paged}, ...}
gpt2::Json run_json(const gpt2::PagedRun& run, const gpt2::Tokenizer* tokenizer, const gpt2::PagedOptions& options,
                    const std::string& model);
// "blocks" and "memory" alone (the bench reports them per run too).
gpt2::Json blocks_json(const gpt2::PagedRun& run);
gpt2::Json memory_json(const gpt2::PagedRun& run);

}  // namespace chapter08
