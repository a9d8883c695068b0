// progress.hpp — one line of progress for a long run, on stderr: rewritten in place on a
// terminal, and a sparse line every ~10% when stderr is a file or a pipe (CI logs stay short).
#pragma once

#include "common/timing.hpp"

#include <string>

namespace gpt2 {

class Progress {
public:
    // "cached (preallocated)", 512, "tokens" → "cached (preallocated): 51/512 tokens, 0.9 s"
    Progress(std::string what, int total, std::string unit = "tokens");
    void update(int done);
    // The last line, for a run that ended before `total` (an early stop): "what: done unit, s".
    void finish();

private:
    std::string what_, unit_;
    int total_, done_ = 0, next_line_at_ = 0;
    bool tty_, finished_ = false;
    Stopwatch watch_;
};

}  // namespace gpt2
