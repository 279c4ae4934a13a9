// npy::check_outputs and npy::save_all: the outputs of a command written all or nothing (see npy.hpp
// for the policy). Kept apart from the format code, which a fuzzer drives with extra checks.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pthread.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "npy.hpp"

namespace nnsimd::cli::npy {

namespace {

namespace fs = std::filesystem;

// The file an output path names: symbolic links in the last component followed (a dangling link names
// its target, which is then created), the folder made canonical. Two outputs are the same file exactly
// when their resolved paths are equal or, for files that exist, their device and inode are.
fs::path resolve_output(const std::string& path) {
  if (path.empty()) throw error("an output path is empty");
  fs::path p = path;
  for (int hops = 0;; ++hops) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) break;
    if (hops == 40) throw error(path + ": too many levels of symbolic links (a symbolic link loop)");
    std::error_code ec;
    const fs::path target = fs::read_symlink(p, ec);
    if (ec) throw error(path + ": cannot read the symbolic link (" + ec.message() + ")");
    p = target.is_absolute() ? target : p.parent_path() / target;
  }
  const fs::path name = p.filename();
  if (name.empty() || name == "." || name == "..") throw error(path + ": names a folder, not a file");
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  std::error_code ec;
  const fs::path cdir = fs::canonical(dir, ec);
  if (ec) throw error(path + ": the folder '" + dir.string() + "' cannot be used (" + ec.message() + ")");
  if (!fs::is_directory(cdir, ec)) throw error(path + ": '" + dir.string() + "' is not a folder");
  return cdir / name;
}

struct target_state {
  fs::path resolved;
  bool exists = false;
  struct stat st {};
};

target_state inspect_output(const std::string& path) {
  target_state t;
  t.resolved = resolve_output(path);
  if (::stat(t.resolved.c_str(), &t.st) == 0) {
    t.exists = true;
    if (S_ISDIR(t.st.st_mode)) throw error(path + ": is a directory; name a .npy file");
    if (!S_ISREG(t.st.st_mode)) throw error(path + ": exists and is not a regular file; nnsimd replaces only regular files");
    // Refused even for root, who could write it: a read-only file says "do not replace me".
    if ((t.st.st_mode & 0222) == 0 || ::access(t.resolved.c_str(), W_OK) != 0)
      throw error(path + ": is read-only; nnsimd does not replace a read-only file (make it writable, or choose another path)");
  } else if (errno != ENOENT) {
    throw error(path + ": cannot inspect the output (" + std::strerror(errno) + ")");
  }
  if (::access(t.resolved.parent_path().c_str(), W_OK | X_OK) != 0)
    throw error(path + ": cannot create files in '" + t.resolved.parent_path().string() + "' (" + std::strerror(errno) + ")");
  return t;
}

std::vector<target_state> inspect_outputs(const std::vector<std::string>& paths) {
  std::vector<target_state> t;
  for (const std::string& p : paths) t.push_back(inspect_output(p));
  for (std::size_t i = 0; i < t.size(); ++i)
    for (std::size_t j = 0; j < i; ++j) {
      const bool same = t[i].resolved == t[j].resolved ||
                        (t[i].exists && t[j].exists && t[i].st.st_dev == t[j].st.st_dev && t[i].st.st_ino == t[j].st.st_ino);
      if (same)
        throw error(paths[i] + ": names the same file as " + paths[j] + "; every output needs its own file");
    }
  return t;
}

// Temporary files to remove if a signal ends the process while they are written. Fixed storage, so the
// handler reads only memory that exists before it is installed (it may only call async-signal-safe
// functions: unlink, sigaction, raise; the atomics are lock-free).
//
// The signal may be delivered to any thread that does not block it, and the process has others (the
// OpenMP workers of the kernels, created with the signals unblocked), so blocking it on the writing
// thread is not enough. Around the steps that must not be cut short (creating a temporary and
// registering it; the renames and their undoing) the handler only records the signal, and the writing
// thread acts on it when the step is over.
constexpr int kMaxPending = 16;
char g_pending[kMaxPending][4096];
std::atomic<int> g_npending{0};
std::atomic<int> g_critical{0};
std::atomic<int> g_deferred{0};
static_assert(std::atomic<int>::is_always_lock_free);
constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP};

void remove_pending_and_reraise(int sig) {
  const int n = g_npending.exchange(0);
  for (int k = 0; k < n; ++k) ::unlink(g_pending[k]);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(sig, &dfl, nullptr);
  ::raise(sig);
}

extern "C" void on_cleanup_signal(int sig) {
  if (g_critical.load() != 0) {
    g_deferred.store(sig);
    return;
  }
  remove_pending_and_reraise(sig);
}

// Installs the handler for the writing phase; restores the previous ones when it ends.
class signal_cleanup {
 public:
  signal_cleanup() {
    g_deferred.store(0);
    struct sigaction sa {};
    sa.sa_handler = on_cleanup_signal;
    sigemptyset(&sa.sa_mask);
    for (int k = 0; k < 3; ++k) ::sigaction(kCleanupSignals[k], &sa, &old_[k]);
  }
  ~signal_cleanup() {
    g_npending.store(0);
    for (int k = 0; k < 3; ++k) ::sigaction(kCleanupSignals[k], &old_[k], nullptr);
  }
  signal_cleanup(const signal_cleanup&) = delete;
  signal_cleanup& operator=(const signal_cleanup&) = delete;
  // Call inside a critical_step.
  void add(const std::string& tmp) {
    const int n = g_npending.load();
    std::snprintf(g_pending[n], sizeof g_pending[0], "%s", tmp.c_str());
    g_npending.store(n + 1);
  }

 private:
  struct sigaction old_[3];
};

// A step a cleanup signal must not interrupt: the signal is held back (blocked on this thread, recorded
// by the handler on any other) and acted on when the step ends: the registered temporaries are removed
// and the signal is raised again. After the renames that removes nothing: the outputs are whole.
class critical_step {
 public:
  critical_step() {
    sigset_t s;
    sigemptyset(&s);
    for (int sig : kCleanupSignals) sigaddset(&s, sig);
    ::pthread_sigmask(SIG_BLOCK, &s, &old_);
    g_critical.fetch_add(1);
  }
  ~critical_step() {
    if (g_critical.fetch_sub(1) == 1)
      if (const int sig = g_deferred.exchange(0)) remove_pending_and_reraise(sig);
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  critical_step(const critical_step&) = delete;
  critical_step& operator=(const critical_step&) = delete;

 private:
  sigset_t old_;
};

// "<folder>/.<name><tag>": a hidden file beside the target (the same file system, so rename and link work).
std::string hidden_sibling(const fs::path& target, const std::string& tag) {
  std::string name = ".";
  name += target.filename().string();
  name += tag;
  return (target.parent_path() / name).string();
}

std::string unique_sibling(const fs::path& target, const char* tag) {
  static std::mt19937_64 rng{std::random_device{}()};
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(rng()));
  return hidden_sibling(target, std::string(tag) + suffix);
}

mode_t new_file_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

}  // namespace

namespace testing {
std::function<void(std::size_t)> before_rename;
}

void check_outputs(const std::vector<std::string>& paths) { inspect_outputs(paths); }

void save_all(const std::vector<std::pair<std::string, array>>& files) {
  std::vector<std::string> paths;
  for (const auto& f : files) paths.push_back(f.first);
  if (files.size() > static_cast<std::size_t>(kMaxPending)) throw error("internal: too many outputs in one save_all");
  const std::vector<target_state> targets = inspect_outputs(paths);

  struct pending {
    std::string tmp, backup;
    bool renamed = false, moved_aside = false;
  };
  std::vector<pending> p(files.size());
  auto remove_leftovers = [&] {
    for (const pending& q : p) {
      if (!q.tmp.empty() && !q.renamed) ::unlink(q.tmp.c_str());
      if (!q.backup.empty() && !q.moved_aside) ::unlink(q.backup.c_str());
    }
  };

  signal_cleanup on_signal;
  const mode_t fresh_mode = new_file_mode();
  for (std::size_t k = 0; k < files.size(); ++k) {
    const target_state& t = targets[k];
    std::string tmpl = hidden_sibling(t.resolved, ".nnsimd-XXXXXX");
    int fd;
    {
      // The file exists from mkstemp on: a signal between it and add() would leave it behind.
      const critical_step creating;
      fd = ::mkstemp(tmpl.data());
      if (fd >= 0) on_signal.add(tmpl);
    }
    if (fd < 0) {
      const int err = errno;
      remove_leftovers();
      throw error(files[k].first + ": cannot create a temporary file beside it (" + std::strerror(err) + ")");
    }
    p[k].tmp = tmpl;
    const std::vector<unsigned char> img = serialize(files[k].second);
    bool ok = ::fchmod(fd, t.exists ? (t.st.st_mode & 07777) : fresh_mode) == 0;
    for (std::size_t off = 0; ok && off < img.size();) {
      const ssize_t w = ::write(fd, img.data() + off, img.size() - off);
      if (w < 0 && errno == EINTR) continue;
      ok = w > 0;
      if (ok) off += static_cast<std::size_t>(w);
    }
    const int err = ok ? 0 : errno;
    if (::close(fd) != 0 && ok) ok = false;
    if (!ok) {
      remove_leftovers();
      throw error(files[k].first + ": cannot write (" + std::strerror(err ? err : errno) + ")");
    }
  }

  const critical_step quiet;
  // Keep every existing target under a second name until all renames have succeeded. A hard link keeps
  // the target in place meanwhile; where the file system has none, the target is moved aside.
  for (std::size_t k = 0; k < files.size(); ++k) {
    if (!targets[k].exists) continue;
    const char* target = targets[k].resolved.c_str();
    for (int attempt = 0; p[k].backup.empty(); ++attempt) {
      std::string b = unique_sibling(targets[k].resolved, ".nnsimd-old-");
      if (::link(target, b.c_str()) == 0) {
        p[k].backup = b;
      } else if (errno == EEXIST && attempt < 8) {
        continue;
      } else if (::rename(target, b.c_str()) == 0) {
        p[k].backup = b;
        p[k].moved_aside = true;
      } else {
        const int err = errno;
        for (std::size_t j = 0; j < k; ++j)
          if (p[j].moved_aside) ::rename(p[j].backup.c_str(), targets[j].resolved.c_str());
        for (pending& q : p) q.moved_aside = false;
        remove_leftovers();
        throw error(files[k].first + ": cannot keep the existing file while replacing it (" + std::strerror(err) + ")");
      }
    }
  }
  for (std::size_t k = 0; k < files.size(); ++k) {
    if (testing::before_rename) testing::before_rename(k);
    if (::rename(p[k].tmp.c_str(), targets[k].resolved.c_str()) == 0) {
      p[k].renamed = true;
      continue;
    }
    const int err = errno;
    // Undo: put back what each earlier rename replaced, remove what it created.
    for (std::size_t j = 0; j < files.size(); ++j) {
      if (!targets[j].exists) {
        if (p[j].renamed) ::unlink(targets[j].resolved.c_str());
      } else if (p[j].renamed || p[j].moved_aside) {
        ::rename(p[j].backup.c_str(), targets[j].resolved.c_str());
        p[j].backup.clear();
      }
    }
    for (pending& q : p) q.moved_aside = false;
    remove_leftovers();
    throw error(files[k].first + ": cannot rename the temporary file into place (" + std::strerror(err) +
                "); no output was changed");
  }
  for (const pending& q : p)
    if (!q.backup.empty()) ::unlink(q.backup.c_str());
}

}  // namespace nnsimd::cli::npy
