#include "files.hpp"

#include "errors.hpp"
#include "paths.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace gpt2 {

std::string read_file_bytes(const std::string& path, std::uint64_t max_bytes, const std::string& what_to_do,
                            const std::string& flag) {
    const std::string where = (flag.empty() ? "" : flag + ": ") + "cannot read " + shown_path(path);
    auto refuse = [&](const std::string& why) { throw UserError(where + " (" + why + "); " + what_to_do); };
    std::ostringstream content;
    if (path == "-") {
        content << std::cin.rdbuf();
        return content.str();
    }
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) refuse(std::string("cannot open it: ") + std::strerror(errno));
    if (S_ISDIR(info.st_mode)) refuse("it is a folder, not a file");
    if (S_ISREG(info.st_mode) && static_cast<std::uint64_t>(info.st_size) > max_bytes)
        refuse(std::to_string(info.st_size) + " bytes, more than the " + std::to_string(max_bytes) +
               " this reads");
    std::ifstream in(path, std::ios::binary);
    if (!in) refuse(std::string("cannot open it: ") + std::strerror(errno));
    content << in.rdbuf();
    if (in.bad()) refuse("a read error");
    std::string bytes = content.str();
    if (bytes.size() > max_bytes)  // a pipe or device reports no size before reading
        refuse("more than the " + std::to_string(max_bytes) + " bytes this reads");
    return bytes;
}

}  // namespace gpt2
