// user_error_of.hpp — what a piece of code says to the user when it refuses bad input.
#pragma once

#include "common/errors.hpp"

#include <string>

// The message of the UserError body() throws, or "" when it throws nothing. Any other
// exception escapes and fails the test: only UserError is a proper answer to bad input.
template <class F>
std::string user_error_of(F body) {
    try {
        body();
    } catch (const gpt2::UserError& e) {
        return e.what();
    }
    return "";
}
