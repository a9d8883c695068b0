// errors.hpp — the one kind of error a user sees.
//
// Anything caused by what the user gave us (a flag, a file, a prompt) is thrown as a
// UserError whose message is one line: what was wrong, where, and what to do. Each
// chapter's main() runs inside run_program(), which prints that line and exits non-zero.
// No assert/abort on user input anywhere.
#pragma once

#include <stdexcept>
#include <string>

namespace gpt2 {

struct UserError : std::runtime_error {
    explicit UserError(const std::string& message) : std::runtime_error(message) {}
};

// Exit codes shared by every chapter.
constexpr int EXIT_USER_ERROR = 1;      // bad flag, bad file, bad prompt
constexpr int EXIT_INTERNAL_ERROR = 3;  // a bug in the tutorial: please report it

// Runs body(argc, argv) and turns every exception into one line on stderr:
//   chapter03: error: <message>
// Returns body's exit code, EXIT_USER_ERROR or EXIT_INTERNAL_ERROR.
int run_program(const char* program, int argc, char** argv, int (*body)(int, char**));

}  // namespace gpt2

namespace gpt2 {

// Thrown by an exercise stub (see `make exercise`): the learner has not written this part yet.
struct ExerciseNotDone : std::logic_error {
    explicit ExerciseNotDone(const std::string& where)
        : std::logic_error("exercise not done yet: " + where) {}
};

}  // namespace gpt2
