#include "paths.hpp"

#include <sys/stat.h>

#ifndef PROJECT_ROOT
#define PROJECT_ROOT "."
#endif

namespace gpt2 {

std::string project_root() { return PROJECT_ROOT; }
std::string default_vocab_dir() { return project_root() + "/data/tokenizer"; }
std::string default_output_dir() { return project_root() + "/build/out"; }

bool file_exists(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

bool directory_exists(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

namespace {

bool holds_model(const std::string& dir) {
    return file_exists(dir + "/config.json") && file_exists(dir + "/model.safetensors");
}

}  // namespace

std::string mini_model_dir() { return project_root() + "/data/mini"; }

std::string default_model_arg() {
    if (holds_model(project_root() + "/data/gpt2")) return project_root() + "/data/gpt2";
    if (holds_model(mini_model_dir())) return "mini";
    return "random";
}

std::string default_benchmark_model_arg() {
    if (holds_model(project_root() + "/data/gpt2")) return project_root() + "/data/gpt2";
    return "random";
}

std::string shown_path(const std::string& path) {
    const std::string root = project_root() + "/";
    return path.compare(0, root.size(), root) == 0 ? path.substr(root.size()) : path;
}

}  // namespace gpt2
