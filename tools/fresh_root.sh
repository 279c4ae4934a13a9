#!/usr/bin/env bash
# Runs the README's two commands ("The two commands" block of README.md at the commit under test) on a
# fresh, minimal Debian 12 root, as a non-root user with passwordless sudo, as a user on a new machine
# would: what catches a package that a fresh machine lacks (CI's own machine has everything installed).
#
#   tools/fresh_root.sh [--dir DIR] [--commit REV] [--keep] [--base-tarball FILE] [--then CMD ...]
#   tools/fresh_root.sh --print-commands     the README's two commands, one a line; nothing else is done
#
#   --dir DIR             where to work (default build/fresh-root, git-ignored): DIR/root is the Debian
#                         root, DIR/*.log the logs, DIR/results the quick benchmark results copied out.
#                         DIR is deleted first (only if this script made it: it holds .fresh_root).
#   --commit REV          the commit to test (default HEAD). The root gets a git clone of it, not a copy
#                         of the work tree: uncommitted changes are not tested.
#   --keep                keep DIR/root after a successful run (after a failure it is always kept, for
#                         inspection, until the next run deletes it).
#   --then CMD            one more command, run like the two after them in the same root (repeatable; CI's
#                         accuracy gate uses the release build the README's commands made there).
#   --base-tarball FILE   a time saver for runs by hand (CI does not use it): untar FILE instead of running
#                         debootstrap; if FILE is missing, debootstrap and save the root to FILE right
#                         after debootstrap, before anything is mounted, configured or installed, so it
#                         stays pristine. Delete FILE to get a newer base. Without this option nothing is
#                         reused between runs but the host's apt cache.
#
# Steps: debootstrap bookworm --variant=minbase --include=git,ca-certificates,sudo (its .debs read from and
# saved to the host's /var/cache/apt/archives); Debian 12's usual sources (bookworm, bookworm-updates,
# bookworm-security); dpkg's force-unsafe-io and a policy-rc.d that starts no daemon (a throwaway root
# without init); a user "nnsimd" with passwordless sudo; /proc, /sys, /dev, /dev/pts, /dev/shm and the
# host's apt cache mounted into the root; the clone in /home/nnsimd/nnsimd; then each command, as that user,
# with its wall time. Exits non-zero if either command fails (both are run). Nothing in the project reads
# ../shared, so none is put beside the clone.
#
# Needs root (chroot, mount) and debootstrap (tools/deps.sh --ci). Everything runs in a private mount
# namespace (unshare), so no mount made here is ever visible outside this script or outlives it; the
# mounts are also undone on any exit, and DIR is never deleted while anything is mounted below it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=$root/build/fresh-root
commit=HEAD
keep=false
tarball=""
print_only=false
then=()
user=nnsimd
mirror=http://deb.debian.org/debian
apt_cache=/var/cache/apt/archives

usage() { sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "fresh_root: $*" >&2; exit 1; }
say() { echo "fresh_root: $*"; }

while (($#)); do
  case "$1" in
    --dir) dir=${2:?--dir needs a folder}; shift ;;
    --commit) commit=${2:?--commit needs a revision}; shift ;;
    --keep) keep=true ;;
    --base-tarball) tarball=${2:?--base-tarball needs a file}; shift ;;
    --print-commands) print_only=true ;;
    --then) then+=("${2:?--then needs a command}"); shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "fresh_root: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

sha=$(git -C "$root" rev-parse --verify --quiet "$commit^{commit}") || die "no commit '$commit' in $root"

# The README's two commands at that commit: the non-empty lines of the first ``` block under
# "## The two commands", comments removed. README.md is the one place they are written.
readme_commands() {
  git -C "$root" show "$sha:README.md" | awk '
    /^## The two commands/ { s = 1; next }
    s && /^## / { exit }
    s && /^```/ { if (f) exit; f = 1; next }
    s && f { sub(/[ \t]*#.*/, ""); if ($0 != "") print }'
}
mapfile -t commands < <(readme_commands)
((${#commands[@]} == 2)) || die "README.md of ${sha:0:12} has no block of two commands under '## The two commands' (found ${#commands[@]})"
if $print_only; then
  printf '%s\n' "${commands[@]}"
  exit 0
fi
commands+=("${then[@]}")

((EUID == 0)) || die "needs root (debootstrap, chroot, mount); CI runs as root"
for tool in debootstrap chroot unshare mount umount; do
  command -v "$tool" >/dev/null || die "$tool not found (tools/deps.sh --ci installs debootstrap)"
done

# Everything below runs in a private mount namespace: the mounts die with this process whatever happens.
if [[ ${NNSIMD_FRESH_ROOT_NS:-} != "$$" ]]; then
  export NNSIMD_FRESH_ROOT_NS=$$   # exec keeps the pid, so the re-executed script recognises itself
  again=(--dir "$dir" --commit "$sha")
  ! $keep || again+=(--keep)
  [[ -z $tarball ]] || again+=(--base-tarball "$tarball")
  for cmd in "${then[@]}"; do again+=(--then "$cmd"); done
  exec unshare --mount --propagation private /bin/bash "$root/tools/fresh_root.sh" "${again[@]}"
fi

dir=$(realpath -m "$dir")
[[ $dir =~ ^/[A-Za-z0-9._/+-]+$ ]] || die "use a folder path of letters, digits and ._/+- only: $dir"
case "$dir" in /|/bin|/boot|/dev|/etc|/home|/lib*|/proc|/root|/run|/sbin|/srv|/sys|/tmp|/usr|/usr/*|/var|/var/*|/work) die "refusing --dir $dir" ;; esac
[[ -z $tarball ]] || tarball=$(realpath -m "$tarball")
rootfs=$dir/root
clone=/home/$user/nnsimd

# Mount points at or below $1 in this namespace, deepest first.
mounts_under() {
  awk -v d="$1" '{ m = $5; gsub(/\\040/, " ", m); if (m == d || index(m, d "/") == 1) print m }' \
    /proc/self/mountinfo | sort -r
}
# Deletes $dir, if it is ours and nothing is mounted below it.
remove_dir() {
  [[ -e $dir ]] || return 0
  [[ -f $dir/.fresh_root ]] || die "$dir exists and was not made by this script (no .fresh_root): not deleting it"
  local m; m=$(mounts_under "$dir")
  [[ -z $m ]] || die "not deleting $dir: still mounted below it: $m"
  rm -rf --one-file-system "$dir"
}
# Deletes $rootfs only (the logs and results stay), same checks.
remove_rootfs() {
  local m; m=$(mounts_under "$rootfs")
  if [[ -n $m ]]; then echo "fresh_root: NOT deleting $rootfs: still mounted below it: $m" >&2; return 1; fi
  rm -rf --one-file-system "$rootfs"
}

mounted=()
mount_into() {  # mount_into TARGET-INSIDE-ROOT mount-arguments...
  local target=$rootfs$1; shift
  [[ ! -L $target ]] || die "$target is a symbolic link: mounting there would follow it out of the root"
  mkdir -p "$target"
  mount "$@" "$target"
  mounted+=("$target")
}
chroot_pids() {
  local p
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/root" 2>/dev/null) == "$rootfs" ]] && echo "${p#/proc/}"
  done
  return 0
}
cleanup() {
  local rc=$? i m pids sig=TERM
  set +e
  trap - EXIT INT TERM
  ((rc != 130 && rc != 143)) || say "interrupted: stopping what runs in the root, unmounting"
  # Processes left inside the root (all started by this script) would keep its mounts busy.
  for i in 1 2 3 4 5; do
    pids=$(chroot_pids)
    [[ -n $pids ]] || break
    kill -s "$sig" $pids 2>/dev/null
    sleep 1
    sig=KILL
  done
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}"
  done
  # Anything else mounted inside the root meanwhile (by a package's maintainer script, say).
  while read -r m; do [[ -z $m ]] || umount "$m" 2>/dev/null || umount -l "$m"; done < <(mounts_under "$rootfs")
  if [[ -d $rootfs ]]; then
    if ((rc == 0)) && ! $keep; then
      remove_rootfs && say "removed $rootfs (logs and results stay in $dir)"
    else
      say "kept $rootfs for inspection (deleted by the next run)"
    fi
  fi
  exit "$rc"
}
t_start=$SECONDS
say "commit under test: $(git -C "$root" log -1 --format='%h %s' "$sha" | cut -c1-110)"
dirty=$(git -C "$root" status --porcelain --untracked-files=no | wc -l)
say "the root gets a git clone of ${sha:0:12}, not a copy of the work tree: uncommitted changes are not used ($dirty tracked files modified in $root)"
say "commands (README.md, '## The two commands'): $(printf '[%s] ' "${commands[@]}")"

remove_dir
mkdir -p "$rootfs"
touch "$dir/.fresh_root"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. The base system.
t=$SECONDS
if [[ -n $tarball && -f $tarball ]]; then
  say "base: untarring $tarball (pristine debootstrap output; delete it for a new one)"
  tar -C "$rootfs" -xpf "$tarball"
else
  say "base: debootstrap --variant=minbase bookworm (log: $dir/debootstrap.log)"
  if ! debootstrap --variant=minbase --include=git,ca-certificates,sudo --cache-dir="$apt_cache" \
       bookworm "$rootfs" "$mirror" >"$dir/debootstrap.log" 2>&1; then
    tail -n 40 "$dir/debootstrap.log"
    die "debootstrap failed"
  fi
  if [[ -n $tarball ]]; then
    mkdir -p "$(dirname "$tarball")"
    tar -C "$rootfs" -cpf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    say "base: saved to $tarball"
  fi
fi
t_base=$((SECONDS - t))
say "base system: $t_base s, $(du -sh "$rootfs" | cut -f1)"

# 2. What a fresh Debian 12 install has besides: its usual apt sources, name resolution, a user with sudo.
t=$SECONDS
rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
cp -L /etc/resolv.conf "$rootfs/etc/resolv.conf"
host=$(cat /proc/sys/kernel/hostname)
printf '%s\n' "$host" >"$rootfs/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$host" >"$rootfs/etc/hosts"
# A throwaway root needs no crash safety: dpkg without an fsync per file (as Debian's container images do),
# which unpacks the ~200 packages much faster (libboost1.74-dev alone, via python3-scipy -> python3-pythran,
# is some 14,000 headers). It changes no package that gets installed.
echo force-unsafe-io >"$rootfs/etc/dpkg/dpkg.cfg.d/fresh-root-unsafe-io"
# A chroot has no init: keep maintainer scripts from starting daemons (none of the project's packages has one).
printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
chmod 755 "$rootfs/usr/sbin/policy-rc.d"
chroot "$rootfs" useradd --create-home --shell /bin/bash --user-group "$user"
echo "$user ALL=(ALL) NOPASSWD:ALL" >"$rootfs/etc/sudoers.d/$user"
chmod 440 "$rootfs/etc/sudoers.d/$user"
uid=$(chroot "$rootfs" id -u "$user")
gid=$(chroot "$rootfs" id -g "$user")

mount_into /proc -t proc proc
mount_into /sys --bind /sys
mount_into /dev --bind /dev
mount_into /dev/pts --bind /dev/pts
mount_into /dev/shm --bind /dev/shm
mount_into /var/cache/apt/archives --bind "$apt_cache"   # .debs downloaded once, for the host and the root

git clone --quiet --no-hardlinks "$root" "$rootfs$clone"
git -C "$rootfs$clone" -c advice.detachedHead=false checkout --quiet --detach "$sha"
chroot "$rootfs" chown -R "$user:$user" "$clone"
say "set-up (sources, user, mounts, clone of ${sha:0:12} in $clone): $((SECONDS - t)) s"

# 3. The two commands, as the user, from the clone, with a clean environment. Output goes to stdout as it
# comes; a copy with the elapsed seconds of each line goes to DIR/command-N.log for the phase times below.
run_as_user() {
  chroot --userspec="$uid:$gid" "$rootfs" /usr/bin/env -i HOME="/home/$user" USER="$user" LOGNAME="$user" \
    SHELL=/bin/bash PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games LANG=C.UTF-8 \
    TERM="${TERM:-dumb}" /bin/bash -c "cd ~/nnsimd && $1"
}
stamp_lines() {  # copies stdin to stdout, and to $1 with the seconds since $2 before each line
  local line
  while IFS= read -r line || [[ -n $line ]]; do
    printf '%s\n' "$line"
    printf '%5d %s\n' $((SECONDS - $2)) "$line" >>"$1"
  done
}
# The first line matching each pattern, with its time: where the time of a command goes.
phases() {
  local log=$1 pattern
  for pattern in '^deps\.sh: (installing|all [0-9]+ packages present)' '^Processing triggers for libc-bin' \
                 '^-- The CXX compiler identification' '^\[ *[0-9]+%\] Building' '^Test project ' \
                 'tests passed' '^=== nnsimd info' '^=== nnsimd bench' '^nnsimd bench: results in'; do
    P=$pattern awk '{ line = substr($0, 7) } line ~ ENVIRON["P"] { printf "    +%4d s  %s\n", $1, substr(line, 1, 90); exit }' "$log"
  done
}

status=0
times=()
for i in "${!commands[@]}"; do
  cmd=${commands[i]}
  log=$dir/command-$((i + 1)).log
  echo
  echo "=== fresh_root: \$ $cmd   (as $user, in $clone, on the fresh root)"
  t=$SECONDS
  # In the background and waited for, so that Ctrl-C or a TERM reaches the trap at once (a foreground
  # pipeline would be waited out first, and apt-get finishes its dpkg run before it heeds an interrupt).
  set +e
  (run_as_user "$cmd" 2>&1 | stamp_lines "$log" "$t"; exit "${PIPESTATUS[0]}") &
  wait $!
  rc=$?
  set -e
  elapsed=$((SECONDS - t))
  times+=("$(printf '%-16s exit %3d  %5d s' "$cmd" "$rc" "$elapsed")")
  echo "=== fresh_root: $cmd exited $rc after $elapsed s"
  ((rc == 0)) || status=1
done

# The quick benchmark results tools/run.sh wrote, out of the root (the root is deleted on success).
if [[ -d $rootfs$clone/build/release/results ]]; then
  cp -r "$rootfs$clone/build/release/results" "$dir/results"
fi

echo
say "summary (commit ${sha:0:12}, logs in $dir)"
printf '  %-16s          %5d s\n' "base system" "$t_base"
for i in "${!commands[@]}"; do
  echo "  ${times[i]}"
  phases "$dir/command-$((i + 1)).log"
done
printf '  %-16s          %5d s\n' "total" $((SECONDS - t_start))
# CPU time is what a busy machine does not inflate: on 2 idle cores the wall time is at least half of it.
times >"$dir/times"   # the builtin, in this shell: in a pipe or $(...) it would count a subshell's children
echo "  CPU time of all of it (user, system): $(tail -n 1 "$dir/times")"
((status == 0)) || say "FAILED: a command of the README failed on a fresh Debian 12 root"
exit "$status"
