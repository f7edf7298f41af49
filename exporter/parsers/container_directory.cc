#include "parsers/container_directory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace se {
namespace {

bool IsHexId(const std::string& id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

}  // namespace

std::vector<std::string> ContainerDirectory::DefaultRoots() {
  return {"/run/containerd/io.containerd.runtime.v2.task/k8s.io",
          "/run/containerd/io.containerd.runtime.v2.task/moby",
          "/run/containers/storage/overlay-containers",
          "/var/lib/containers/storage/overlay-containers"};
}

ContainerDirectory::ContainerDirectory(std::vector<std::string> roots, size_t max_bytes)
    : roots_(std::move(roots)), max_bytes_(max_bytes) {}

std::optional<ContainerNames> ContainerDirectory::Lookup(const std::string& id,
                                                         std::string* error) {
  if (auto it = found_.find(id); it != found_.end()) return it->second;
  // The ID comes from a cgroup name; only hex keeps it a single path component.
  if (!IsHexId(id)) {
    *error = "not a container ID: " + id.substr(0, 80);
    return std::nullopt;
  }
  std::string why = "no config.json for container " + id + " under any --path.runtime root";
  for (const std::string& root : roots_) {
    for (const char* sub : {"/config.json", "/userdata/config.json"}) {
      std::string text, failure;
      const std::string path = root + "/" + id + sub;
      if (!ReadBundle(path, &text, &failure)) {
        if (!failure.empty()) why = failure;  // a file that exists but cannot be used
        continue;
      }
      ContainerNames names;
      if (!ParseOciConfig(text, &names, &failure)) {
        why = path + ": " + failure;
        continue;
      }
      found_[id] = names;
      return names;
    }
  }
  *error = why;
  return std::nullopt;
}

// False with *error empty if the file does not exist; with *error set if it exists but is not
// a readable regular file within the size limit.
bool ContainerDirectory::ReadBundle(const std::string& path, std::string* text,
                                    std::string* error) const {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno != ENOENT && errno != ENOTDIR) *error = path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st{};
  bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (!ok) {
    *error = path + ": not a regular file";
  } else if (static_cast<size_t>(st.st_size) > max_bytes_) {
    *error = path + ": " + std::to_string(st.st_size) + " bytes, over the limit of " +
             std::to_string(max_bytes_);
    ok = false;
  }
  if (ok) {
    text->resize(max_bytes_ + 1);  // one more, to notice a file that grew past the limit
    size_t got = 0;
    ssize_t n;
    while ((n = read(fd, text->data() + got, text->size() - got)) > 0) got += static_cast<size_t>(n);
    text->resize(got);
    if (n < 0 || got > max_bytes_) {
      *error = path + (n < 0 ? ": read failed" : ": grew past the size limit");
      ok = false;
    }
  }
  close(fd);
  return ok;
}

}  // namespace se
