#include "report.hpp"

#include "errors.hpp"
#include "paths.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace gpt2 {

namespace {

const char* kManifestName = ".written-by-gpt2-tutorial";

std::string folder_of(const std::string& path) {
    std::size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

std::string name_of(const std::string& path) {
    std::size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// FNV-1a over the file's bytes: enough to tell "the file we wrote" from "a file someone changed".
std::string content_hash(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "";
    unsigned long long hash = 1469598103934665603ULL;
    char buffer[1 << 16];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        for (std::streamsize i = 0; i < in.gcount(); ++i) {
            hash ^= static_cast<unsigned char>(buffer[i]);
            hash *= 1099511628211ULL;
        }
    }
    return format("%016llx", hash);
}

// manifest lines: "<hash> <name>"
std::vector<std::pair<std::string, std::string>> read_manifest(const std::string& folder) {
    std::vector<std::pair<std::string, std::string>> entries;
    std::ifstream in(folder + "/" + kManifestName);
    std::string hash, name;
    while (in >> hash && std::getline(in >> std::ws, name)) entries.emplace_back(hash, name);
    return entries;
}

void record_in_manifest(const std::string& path) {
    const std::string folder = folder_of(path), name = name_of(path);
    std::vector<std::pair<std::string, std::string>> entries = read_manifest(folder);
    std::ostringstream out;
    for (const auto& entry : entries)
        if (entry.second != name) out << entry.first << " " << entry.second << "\n";
    out << content_hash(path) << " " << name << "\n";
    const std::string manifest = folder + "/" + kManifestName, temp = manifest + ".tmp";
    std::ofstream file(temp, std::ios::binary | std::ios::trunc);
    file << out.str();
    file.close();
    if (file) std::rename(temp.c_str(), manifest.c_str());
}

bool written_by_us(const std::string& path) {
    const std::string hash = content_hash(path), name = name_of(path);
    for (const auto& entry : read_manifest(folder_of(path)))
        if (entry.second == name && entry.first == hash) return true;
    return false;
}

}  // namespace

void make_directories(const std::string& path) {
    if (path.empty() || directory_exists(path)) return;
    if (file_exists(path))
        throw UserError(path + " is a file, not a folder; choose another output folder (--out-dir)");
    make_directories(folder_of(path));
    if (::mkdir(path.c_str(), 0777) != 0 && errno != EEXIST)
        throw UserError("cannot create folder " + path + ": " + std::strerror(errno) +
                        "; choose another output folder");
}

OutputFile::OutputFile(std::string path, bool force) : path_(std::move(path)) {
    make_directories(folder_of(path_));
    if (file_exists(path_) && !force && !written_by_us(path_))
        throw UserError(path_ + " already exists and was not written by this tutorial; "
                        "move it away, choose another output path, or pass --force to overwrite it");
    if (directory_exists(path_)) throw UserError(path_ + " is a folder; choose a file name for the output");
    struct stat info {};
    if (::lstat(path_.c_str(), &info) == 0 && !S_ISREG(info.st_mode))  // even with --force: never rename over /dev/null
        throw UserError(path_ + " exists and is not a regular file (a device, pipe or link); "
                        "choose another output path");
    temp_path_ = path_ + ".tmp" + std::to_string(::getpid());
}

OutputFile::~OutputFile() {
    if (!committed_) std::remove(temp_path_.c_str());
}

void OutputFile::commit() {
    if (std::rename(temp_path_.c_str(), path_.c_str()) != 0)
        throw UserError("cannot write " + path_ + ": " + std::strerror(errno));
    committed_ = true;
    record_in_manifest(path_);
}

void write_output_file(const std::string& path, const std::string& content, bool force) {
    OutputFile out(path, force);
    {
        std::ofstream file(out.temp_path(), std::ios::binary | std::ios::trunc);
        file << content;
        file.close();
        if (!file) throw UserError("cannot write " + out.temp_path() + ": " + std::strerror(errno));
    }
    out.commit();
}

bool run_gnuplot(const std::string& script, OutputFile& picture) {
    const std::string script_path = picture.temp_path() + ".gp";
    {
        std::ofstream file(script_path);
        file << script;
    }
    const std::string command = "gnuplot '" + script_path + "' 2>'" + script_path + ".err'";
    int status = std::system(command.c_str());
    std::string error_text;
    {
        std::ifstream err(script_path + ".err");  // gnuplot's last non-empty line says what was wrong
        for (std::string line; std::getline(err, line);)
            if (line.find_first_not_of(" \t^") != std::string::npos) error_text = line;
    }
    std::remove(script_path.c_str());
    std::remove((script_path + ".err").c_str());
    if (status != 0 || !file_exists(picture.temp_path())) {
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            std::fprintf(stderr, "warning: gnuplot is not installed, so %s was not drawn; "
                                 "run make setup (it installs gnuplot-nox)\n", shown_path(picture.path()).c_str());
        else
            std::fprintf(stderr, "warning: gnuplot failed, so %s was not drawn: %s\n", shown_path(picture.path()).c_str(),
                         error_text.c_str());
        return false;
    }
    picture.commit();
    return true;
}

bool run_gnuplot_file(const std::string& gp_file, const std::vector<std::pair<std::string, std::string>>& variables,
                      OutputFile& picture) {
    // gnuplot single-quoted strings take '' for a quote; nothing else is special in them.
    auto quoted = [](const std::string& text) {
        std::string out = "'";
        for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
        return out + "'";
    };
    std::string script;
    for (const auto& [name, value] : variables) script += name + " = " + quoted(value) + "\n";
    script += "load " + quoted(project_root() + "/" + gp_file) + "\n";
    return run_gnuplot(script, picture);
}

std::string vformat(const char* fmt, va_list args) {
    va_list copy;
    va_copy(copy, args);
    int size = std::vsnprintf(nullptr, 0, fmt, copy);
    va_end(copy);
    std::string out(size > 0 ? static_cast<std::size_t>(size) : 0, '\0');
    if (size > 0) std::vsnprintf(&out[0], out.size() + 1, fmt, args);
    return out;
}

std::string format(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    std::string out = vformat(fmt, args);
    va_end(args);
    return out;
}

std::string with_commas(unsigned long long value) {
    std::string digits = std::to_string(value), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width(header.size(), 0);
    auto widen = [&](const std::vector<std::string>& row) {
        for (std::size_t c = 0; c < row.size() && c < width.size(); ++c)
            width[c] = std::max(width[c], row[c].size());
    };
    widen(header);
    for (const auto& row : rows) widen(row);
    std::ostringstream out;
    auto line = [&](const std::vector<std::string>& row) {
        for (std::size_t c = 0; c < width.size(); ++c) {
            const std::string cell = c < row.size() ? row[c] : "";
            const std::string pad(width[c] - cell.size(), ' ');
            out << (c ? "  " : "") << (c == 0 ? cell + pad : pad + cell);
        }
        out << "\n";
    };
    line(header);
    std::size_t total = 0;
    for (std::size_t w : width) total += w + 2;
    out << std::string(total > 2 ? total - 2 : 0, '-') << "\n";
    for (const auto& row : rows) line(row);
    return out.str();
}

std::string human_bytes(std::uint64_t bytes) {
    const double b = static_cast<double>(bytes);
    if (bytes >= (1ULL << 60)) return format("%.2f EiB", b / static_cast<double>(1ULL << 60));
    if (bytes >= (1ULL << 50)) return format("%.2f PiB", b / static_cast<double>(1ULL << 50));
    if (bytes >= (1ULL << 40)) return format("%.2f TiB", b / static_cast<double>(1ULL << 40));
    if (bytes >= (1ULL << 30)) return format("%.2f GiB", b / static_cast<double>(1ULL << 30));
    if (bytes >= (1ULL << 20)) return format("%.2f MiB", b / static_cast<double>(1ULL << 20));
    if (bytes >= (1ULL << 10)) return format("%.2f KiB", b / static_cast<double>(1ULL << 10));
    return std::to_string(bytes) + " B";
}

}  // namespace gpt2
