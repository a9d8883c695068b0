// scratch_dir.hpp — a fresh folder under /tmp for one test, removed with everything in it.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include <unistd.h>

struct ScratchDir {
    std::string path;
    ScratchDir() {
        char name[] = "/tmp/gpt2-tutorial-test.XXXXXX";
        const char* made = ::mkdtemp(name);
        REQUIRE_MESSAGE(made != nullptr, "cannot create a scratch folder under /tmp");
        path = made;
    }
    ~ScratchDir() { std::system(("rm -rf '" + path + "'").c_str()); }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    std::string operator/(const std::string& name) const { return path + "/" + name; }
};
