// files.hpp — reading a whole file, with the one-line errors every chapter gives.
#pragma once

#include <cstdint>
#include <string>

namespace gpt2 {

// The exact bytes of the file at `path` ("-" = standard input): no newline stripped, CRLF kept.
// Refuses with one UserError line — "<flag>: cannot read <path> (<why>); <what_to_do>" —
// a missing or unreadable file, a folder, or a file larger than `max_bytes` (checked before
// reading, so a wrong path to a huge file costs nothing). `flag` may be empty.
std::string read_file_bytes(const std::string& path, std::uint64_t max_bytes, const std::string& what_to_do,
                            const std::string& flag = "");

}  // namespace gpt2
