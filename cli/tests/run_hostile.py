"""ctest: `nnsimd run` against hostile and unlucky inputs (issue 11), one check per finding:

1. shapes whose sizes wrap around or do not fit in memory (the heap overflow from two 128-byte files);
2. outputs all or nothing: an output that is a directory, two outputs naming one file, no temporary
   file left behind, SIGINT while the outputs are written;
3. bounded input: /dev/zero, a FIFO with no writer, a slow producer that keeps delivering (must work),
   a stream that goes on after its data, a stream that ends early, a header promising more than the
   memory limit;
4. messages that tell a missing file from a symbolic link loop, a dangling link and an unreadable path;
5. the replacement policy: the mode of a replaced file is kept, a symbolic link is followed (the link
   stays), a read-only file is refused;
and the book's one-hot labels written as integer arrays (issue 10). Files are built byte by byte with
the standard library. Usage: run_hostile.py NNSIMD_BINARY WORKDIR."""
import os
import shutil
import signal
import stat
import struct
import subprocess
import sys
import threading
import time

nnsimd, work = sys.argv[1], os.path.join(sys.argv[2], "run_hostile")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
os.chmod(work, 0o777)
failures = 0


def header(descr, shape):
    shp = "(" + "".join(f"{s}, " for s in shape).rstrip(" ") + ")" if len(shape) != 1 else f"({shape[0]},)"
    h = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shp}, }}".encode("latin1")
    h += b" " * ((64 - (10 + len(h) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h


def npy(name, descr, shape, data=b""):
    path = os.path.join(work, name)
    with open(path, "wb") as f:
        f.write(header(descr, shape) + data)
    return path


def f32(*v):
    return struct.pack(f"<{len(v)}f", *v)


def f64(*v):
    return struct.pack(f"<{len(v)}d", *v)


def read_npy(path):
    with open(path, "rb") as f:
        raw = f.read()
    hl = struct.unpack("<H", raw[8:10])[0]
    return raw[:10 + hl], raw[10 + hl:]


def run(*args, timeout=60, **kw):
    try:
        return subprocess.run([nnsimd, "run", *args], capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired:  # a failure of the check (unbounded input), not of the script
        return subprocess.CompletedProcess(args, None, "", f"(killed: still running after {timeout} s)")


def expect(name, cond, p=None):
    global failures
    print(("ok   " if cond else "FAIL ") + name)
    if not cond:
        failures += 1
        if p is not None:
            print("     exit", p.returncode, "stderr:", p.stderr.strip()[-2000:])


def expect_error(name, p, words):
    missing = [w for w in words if w not in p.stderr]
    expect(f"{name}: exit 2 naming {words}" + (f" (lacks {missing})" if missing else ""), p.returncode == 2 and not missing, p)


def leftovers():
    return sorted(f for f in os.listdir(work) if ".nnsimd-" in f)


def runnable_isas():
    p = subprocess.run([nnsimd, "info"], capture_output=True, text=True)
    for line in p.stdout.splitlines():
        if "runnable" in line and ":" in line:
            return [w for w in line.split(":", 1)[1].split() if w.isalnum()]
    return ["scalar"]


isas = runnable_isas()
out = os.path.join(work, "y.npy")

# ---- 1. sizes that wrap around or do not fit -------------------------------------------------------
huge = npy("huge_rows.npy", "<f4", (2**63 + 1, 0))
w02 = npy("w02.npy", "<f4", (0, 2))
for kernel in ("dense_forward", "dense_relu"):
    for isa in isas:
        p = run(kernel, "-x", huge, "-w", w02, "-o", out, "--isa", isa)
        expect_error(f"{kernel} --isa {isa} on x (2^63+1, 0), w (0, 2)", p, ["huge_rows.npy", "too big"])
# The reader accepts (2^40, 0) (2^40 x 4 bytes fit), but the output (2^40, 2^30) does not fit in a size.
x40 = npy("x40.npy", "<f4", (2**40, 0))
w30 = npy("w30.npy", "<f4", (0, 2**30))
p = run("dense_forward", "-x", x40, "-w", w30, "-o", out)
expect_error("dense_forward: an output of 2^70 elements", p, ["x40.npy", "w30.npy", "overflow"])
# (2^31, 0) . (0, 1): a real 8 GiB output, refused by the memory limit with what was being allocated.
x31 = npy("x31.npy", "<f4", (2**31, 0))
w01 = npy("w01.npy", "<f4", (0, 1))
p = run("dense_forward", "-x", x31, "-w", w01, "-o", out, "--max-memory", "64M")
expect_error("dense_forward: an 8 GiB output under --max-memory 64M", p, ["output", "x31.npy", "memory limit"])
p = run("relu", "-x", npy("x_big.npy", "<f4", (1024, 1024), b"\0" * (4 << 20)), "-o", out, "--max-memory", "6M")
expect_error("relu: input fits, its copy and output do not under --max-memory 6M", p, ["memory limit", "--max-memory"])
expect("nothing written by the size failures", not os.path.exists(out) and not leftovers())
# Empty arrays stay valid: (0, 3) in, (0, 3) out.
p = run("relu", "-x", npy("empty.npy", "<f4", (0, 3)), "-o", out)
expect("an empty (0, 3) array is valid", p.returncode == 0 and os.path.exists(out), p)
os.remove(out)

# ---- 2. all-or-nothing outputs ---------------------------------------------------------------------
probs = npy("probs.npy", "<f8", (3, 3), f64(0.7, 0.1, 0.2, 0.1, 0.5, 0.4, 0.02, 0.9, 0.08))
labels = npy("labels.npy", "<i8", (3,), struct.pack("<3q", 0, 1, 1))
losses = os.path.join(work, "losses.npy")
adir = os.path.join(work, "a_directory")
os.makedirs(adir)
p = run("cross_entropy", "-x", probs, "-l", labels, "-o", losses, "--mean", adir)
expect_error("--mean naming a directory", p, ["a_directory", "directory"])
expect("... leaves no losses file and no temporary", not os.path.exists(losses) and not leftovers())
same = os.path.join(work, "s.npy")
with open(same, "wb") as f:
    f.write(b"precious")
p = run("cross_entropy", "-x", probs, "-l", labels, "-o", same, "--mean", same)
expect_error("-o s.npy --mean s.npy", p, ["same file"])
expect("... leaves s.npy as it was", open(same, "rb").read() == b"precious" and not leftovers())
link = os.path.join(work, "s_link.npy")
os.symlink("s.npy", link)
p = run("cross_entropy", "-x", probs, "-l", labels, "-o", same, "--mean", link)
expect_error("-o s.npy --mean <symlink to s.npy>", p, ["same file"])
os.link(same, os.path.join(work, "s_hard.npy"))
p = run("cross_entropy", "-x", probs, "-l", labels, "-o", same, "--mean", os.path.join(work, "s_hard.npy"))
expect_error("-o s.npy --mean <hard link to s.npy>", p, ["same file"])
p = run("cross_entropy", "-x", probs, "-l", labels, "-o", os.path.join(work, "no_such_dir", "l.npy"))
expect_error("an output in a folder that does not exist", p, ["no_such_dir"])
# The good path writes both, and says so.
p = run("cross_entropy", "-x", probs, "-l", labels, "-o", losses)
expect("cross_entropy writes the losses and their mean", p.returncode == 0 and os.path.exists(losses) and
       os.path.exists(os.path.join(work, "losses_mean.npy")) and "0.38506088005216804" in p.stdout, p)

# SIGINT while writing: the temporary files go, the targets stay as they were. The outputs are large
# enough (about 270 MB) that the write takes a while; the signal is sent as soon as a temporary appears.
big = os.path.join(work, "big.npy")
with open(big, "wb") as f:
    f.write(header("<f4", (8192, 8192)))
    f.truncate(f.tell() + 8192 * 8192 * 4)
big_out = os.path.join(work, "big_out.npy")
caught = False
for attempt in range(5):
    proc = subprocess.Popen([nnsimd, "run", "relu", "-x", big, "-o", big_out], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while proc.poll() is None and time.time() < deadline and not leftovers():
        time.sleep(0.0005)
    if leftovers() and proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        caught = True
        expect("SIGINT while writing: killed by the signal", proc.returncode == -signal.SIGINT)
        # All or nothing: no temporary, and no output unless the signal came after the last rename (it
        # is held back while the renames run), in which case the output is whole.
        whole = os.path.exists(big_out) and os.path.getsize(big_out) == 128 + 8192 * 8192 * 4
        expect("SIGINT while writing: no temporary left; no output, or a whole one",
               not leftovers() and (not os.path.exists(big_out) or whole))
        if os.path.exists(big_out):
            os.remove(big_out)
        break
    proc.wait(timeout=60)
    if os.path.exists(big_out):
        os.remove(big_out)
expect("SIGINT while writing: the signal arrived while a temporary existed", caught)
os.remove(big)

# ---- 3. bounded input ------------------------------------------------------------------------------
t0 = time.time()
p = run("relu", "-x", "/dev/zero", "-o", out, timeout=30)
expect_error("-x /dev/zero", p, ["/dev/zero", "not a .npy"])
expect("... ends at once", time.time() - t0 < 10)
fifo = os.path.join(work, "fifo.npy")
os.mkfifo(fifo)
t0 = time.time()
p = run("relu", "-x", fifo, "-o", out, "--input-timeout", "1", timeout=30)
expect_error("a FIFO with no writer, --input-timeout 1", p, ["fifo.npy", "no data"])
expect("... ends after about the timeout", time.time() - t0 < 10)
x23 = header("<f4", (2, 3)) + f32(1, -2, 3, -4, 5, -6)


def produce(chunks, gap, tail=b""):
    def body():
        try:  # the reader may stop reading (and close) before the tail is written: that is the point
            with open(fifo, "wb") as f:
                for c in chunks:
                    time.sleep(gap)
                    f.write(c)
                    f.flush()
                f.write(tail)
                f.flush()
        except BrokenPipeError:
            pass
    t = threading.Thread(target=body)
    t.start()
    return t


# A slow producer (a writer that connects late, then a gap of 0.6 s between pieces, 3.6 s in all)
# with a 1 s inactivity timeout: it keeps delivering, so it must work.
t = produce([x23[i:i + 20] for i in range(0, len(x23), 20)], 0.6)
p = run("relu", "-x", fifo, "-o", out, "--input-timeout", "1", timeout=60)
t.join()
expect("a slow producer that keeps delivering is read", p.returncode == 0 and os.path.exists(out), p)
if os.path.exists(out):
    expect("... and gives the right values", read_npy(out)[1] == f32(1, 0, 3, 0, 5, 0))
    os.remove(out)
t = produce([x23], 0.0, tail=b"\0" * 65536)
p = run("relu", "-x", fifo, "-o", out, "--input-timeout", "5", timeout=60)
t.join()
expect_error("a stream that goes on after its data", p, ["fifo.npy", "goes on"])
t = produce([x23[:-4]], 0.0)
p = run("relu", "-x", fifo, "-o", out, "--input-timeout", "5", timeout=60)
t.join()
expect_error("a stream that ends early", p, ["fifo.npy", "truncated", "ended after"])
t = produce([header("<f4", (2**40, 1))], 0.0, tail=b"\0" * 4096)
p = run("relu", "-x", fifo, "-o", out, "--max-memory", "1M", "--input-timeout", "5", timeout=60)
t.join()
expect_error("a stream promising 4 TiB under --max-memory 1M", p, ["fifo.npy", "memory limit"])
expect("nothing written by the stream failures", not os.path.exists(out) and not leftovers())

# ---- 4. messages -----------------------------------------------------------------------------------
loop = os.path.join(work, "loop.npy")
os.symlink("loop.npy", loop)
expect_error("a symbolic link loop", run("relu", "-x", loop, "-o", out), ["loop.npy", "symbolic link loop"])
dangling = os.path.join(work, "dangling.npy")
os.symlink("nowhere.npy", dangling)
expect_error("a dangling symbolic link", run("relu", "-x", dangling, "-o", out), ["dangling.npy", "does not exist"])
expect_error("a missing file", run("relu", "-x", os.path.join(work, "missing.npy"), "-o", out), ["missing.npy", "no such file"])
locked = os.path.join(work, "locked")
os.makedirs(locked)
shutil.copy(os.path.join(work, "probs.npy"), os.path.join(locked, "p.npy"))
os.chmod(locked, 0o600)  # readable listing, but nobody may enter it
as_user = {}
if os.geteuid() == 0:  # root enters any folder: check as an unprivileged user
    as_user = {"preexec_fn": lambda: (os.setgid(65534), os.setuid(65534))}
try:
    p = run("relu", "-x", os.path.join(locked, "p.npy"), "-o", os.path.join(work, "u.npy"), **as_user)
    expect_error("a file in a folder the user cannot enter", p, ["p.npy", "permission denied"])
except (PermissionError, OSError) as e:
    print(f"skip a file in a folder the user cannot enter: cannot run as another user ({e})")
os.chmod(locked, 0o700)

# ---- 5. replacing an existing output ---------------------------------------------------------------
x = npy("x.npy", "<f4", (2, 3), f32(1, -2, 3, -4, 5, -6))
private = os.path.join(work, "private.npy")
with open(private, "wb") as f:
    f.write(b"old")
os.chmod(private, 0o600)
p = run("relu", "-x", x, "-o", private)
expect("a mode-600 output is replaced and stays 600",
       p.returncode == 0 and stat.S_IMODE(os.stat(private).st_mode) == 0o600 and read_npy(private)[1] == f32(1, 0, 3, 0, 5, 0), p)
target = os.path.join(work, "target.npy")
with open(target, "wb") as f:
    f.write(b"old")
via = os.path.join(work, "via_link.npy")
os.symlink("target.npy", via)
p = run("relu", "-x", x, "-o", via)
expect("an output that is a symbolic link: the link stays, the file it points to is replaced",
       p.returncode == 0 and os.path.islink(via) and read_npy(target)[1] == f32(1, 0, 3, 0, 5, 0), p)
ro = os.path.join(work, "readonly.npy")
with open(ro, "wb") as f:
    f.write(b"keep me")
os.chmod(ro, 0o444)
p = run("relu", "-x", x, "-o", ro)
expect_error("a read-only output", p, ["readonly.npy", "read-only"])
expect("... is left as it was", open(ro, "rb").read() == b"keep me")
# An output equal to an input is read fully before it is replaced.
inplace = npy("inplace.npy", "<f4", (2, 3), f32(1, -2, 3, -4, 5, -6))
p = run("relu", "-x", inplace, "-o", inplace)
expect("output == input works", p.returncode == 0 and read_npy(inplace)[1] == f32(1, 0, 3, 0, 5, 0), p)
expect("no temporary file left anywhere", not leftovers())

# ---- the book's one-hot labels as integer arrays (issue 10) -----------------------------------------
onehot = [1, 0, 0, 0, 1, 0, 0, 1, 0]
for descr, fmt in (("<i8", "<9q"), ("<i4", "<9i"), ("|u1", "<9B"), ("|b1", "<9B")):
    lab = npy(f"onehot_{descr[1:]}.npy", descr, (3, 3), struct.pack(fmt, *onehot))
    p = run("cross_entropy", "-x", probs, "-l", lab, "-o", losses)
    expect(f"one-hot labels as {descr}: the book's loss 0.38506088005216804",
           p.returncode == 0 and "mean loss: 0.38506088005216804" in p.stdout, p)
    p = run("accuracy", "-x", probs, "-l", lab, "-o", out)
    expect(f"one-hot labels as {descr}: accuracy 1.0", p.returncode == 0 and "accuracy: 1.0" in p.stdout, p)
lab = npy("not_onehot.npy", "<i8", (3, 3), struct.pack("<9q", 1, 0, 0, 0, 1, 1, 0, 0, 0))
p = run("cross_entropy", "-x", probs, "-l", lab, "-o", losses)
expect("rows that are not one-hot: used as given, and said so",
       p.returncode == 0 and "2 of 3 rows are not one-hot" in p.stderr and "row 1" in p.stderr, p)

sys.exit(1 if failures else 0)
