// nnsimd: the command line. `nnsimd demo` reproduces chapter 5 of "Neural Networks from Scratch" on
// every ISA this machine runs; `info`, `run`, `accuracy` and `bench` are described by `nnsimd --help`.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "nnsimd: SIMD kernels for the forward pass of chapter 5 of \"Neural Networks from Scratch\".\n"
      "Exit codes: 0 ok, 1 a check failed (tolerance, agreement, error growth), 2 invalid input,\n"
      "3 a needed piece is missing.",
      "nnsimd"};
  app.require_subcommand(1);
  int status = nnsimd::cli::kExitOk;
  nnsimd::cli::add_demo(app, status);
  nnsimd::cli::add_info(app, status);
  nnsimd::cli::add_run(app, status);
  nnsimd::cli::add_accuracy(app, status);
  nnsimd::cli::add_bench(app, status);
  nnsimd::cli::add_data(app, status);
  nnsimd::cli::add_digest(app, status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Usage errors exit with 2 (as argparse and most Unix tools do), --help with 0.
    const int code = app.exit(e);
    return code == 0 ? 0 : nnsimd::cli::kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nnsimd: error: %s\n", e.what());
    return nnsimd::cli::kExitBadInput;
  }
  return status;
}
