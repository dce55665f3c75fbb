// Benchmarks behind `r1 bench <what>`. Each prints one JSON object on stdout with its figures,
// a reference figure measured in the same run, and their ratio.
#pragma once

namespace r1 {

int bench_model(int argc, char** argv);      // bench/bench_model.cpp
int bench_verifiers(int argc, char** argv);  // bench/bench_verifiers.cpp
int bench_tokenizer(int argc, char** argv);  // bench/bench_tokenizer.cpp
int bench_rl(int argc, char** argv);         // bench/bench_rl.cpp
int bench_serve(int argc, char** argv);      // bench/bench_serve.cpp

}  // namespace r1
