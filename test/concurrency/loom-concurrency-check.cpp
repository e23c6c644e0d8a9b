//===- loom-concurrency-check.cpp - calls on one handle from many threads -===//
//
//   loom-concurrency-check LIBRARY.so NAME [--rounds=N]
//
// Loads a compiled model library with dlopen, as any C caller would, and
// checks loom_model_api.h's promise that a call gives the answer it gives
// alone whatever other threads do:
//   1. one handle, answers computed one call at a time: the expected ones;
//   2. the same handle, two threads calling forward (and translate or
//      generate) on inputs of different sizes, interleaved, for N rounds;
//   3. six threads, each on a handle of its own (the same seed, so the same
//      weights), on the same inputs.
// Every answer must equal the expected one bit for bit (the kernels' sums do
// not depend on the thread count). Prints one line per part and exits 1 on
// any difference or failed call. The sanitizer lane runs it under TSan.
//
//===----------------------------------------------------------------------===//
#include "loom/loom_model_api.h"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "loom-concurrency-check: error: %s\n", message.c_str());
  std::exit(1);
}

/// The library's functions, found by name as loom-run finds them.
struct Api {
#define LOOM_CHECK_MEMBER(fn, ret, params, archs, doc) loom_##fn##_fn fn = nullptr;
  LOOM_API_FUNCTIONS(LOOM_CHECK_MEMBER)
#undef LOOM_CHECK_MEMBER

  Api(const char *path, const std::string &name) {
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib)
      die(dlerror());
#define LOOM_CHECK_FIND(fn, ret, params, archs, doc)                           \
  fn = reinterpret_cast<loom_##fn##_fn>(dlsym(lib, (name + "_" #fn).c_str()));
    LOOM_API_FUNCTIONS(LOOM_CHECK_FIND)
#undef LOOM_CHECK_FIND
    if (!info || !create_seeded || !free || !forward || !last_error)
      die(std::string(path) + " does not export " + name + "_info, _forward, ...");
  }
};

/// One batch: tokens and lengths for each side the model reads.
struct Batch {
  int64_t batch, srcMax, tgtMax;
  std::vector<int32_t> src, srcLen, tgt, tgtLen;
};

/// Batches of different shapes, so that concurrent calls need arenas of
/// different sizes (the race this checks grew one call's arena under
/// another call's feet).
std::vector<Batch> makeBatches(const loom_model_info &info) {
  std::vector<Batch> batches;
  const int64_t shapes[][3] = {{1, 3, 2}, {3, 7, 5}, {2, 16, 16}, {5, 11, 9}};
  uint32_t state = 12345;
  auto next = [&](int64_t bound) {
    state = state * 1664525u + 1013904223u;
    return int32_t((state >> 8) % uint32_t(bound));
  };
  for (const auto &shape : shapes) {
    Batch b{shape[0], std::min(shape[1], info.max_len),
            std::min(shape[2], info.max_len), {}, {}, {}, {}};
    auto fill = [&](std::vector<int32_t> &tokens, std::vector<int32_t> &lengths,
                    int64_t length, int64_t vocab) {
      for (int64_t i = 0; i < b.batch * length; ++i)
        tokens.push_back(next(vocab));
      for (int64_t r = 0; r < b.batch; ++r)
        lengths.push_back(1 + next(length));
      lengths[0] = int32_t(length);
    };
    if (info.src_vocab > 0)
      fill(b.src, b.srcLen, b.srcMax, info.src_vocab);
    if (info.tgt_vocab > 0)
      fill(b.tgt, b.tgtLen, b.tgtMax, info.tgt_vocab);
    batches.push_back(std::move(b));
  }
  return batches;
}

enum class Call { forward, decode };

/// One call's answer as bytes, or an empty vector and a message.
std::vector<char> run(const Api &api, loom_model *model, const loom_model_info &info,
                      const Batch &b, Call call, std::string &error) {
  std::string arch = info.architecture;
  const int32_t *src = b.src.empty() ? nullptr : b.src.data();
  const int32_t *srcLen = b.srcLen.empty() ? nullptr : b.srcLen.data();
  const int32_t *tgt = b.tgt.empty() ? nullptr : b.tgt.data();
  const int32_t *tgtLen = b.tgtLen.empty() ? nullptr : b.tgtLen.data();
  loom_status status;
  std::vector<char> out;
  if (call == Call::forward) {
    bool encoder = arch == "encoder";
    int64_t width = encoder ? info.d_model : info.tgt_vocab;
    std::vector<float> y(b.batch * (encoder ? b.srcMax : b.tgtMax) * width);
    status = api.forward(model, b.batch, src ? b.srcMax : 0, src, srcLen,
                         tgt ? b.tgtMax : 0, tgt, tgtLen, y.data());
    out.assign(reinterpret_cast<char *>(y.data()),
               reinterpret_cast<char *>(y.data() + y.size()));
  } else {
    int64_t maxNew = std::min<int64_t>(4, info.max_len - b.tgtMax + 1);
    std::vector<int32_t> tokens(b.batch * maxNew);
    status = arch == "encoder_decoder"
                 ? api.translate(model, b.batch, b.srcMax, src, srcLen, maxNew, tokens.data())
                 : api.generate(model, b.batch, b.tgtMax, tgt, tgtLen, maxNew, tokens.data());
    out.assign(reinterpret_cast<char *>(tokens.data()),
               reinterpret_cast<char *>(tokens.data() + tokens.size()));
  }
  if (status != LOOM_OK) {
    error = api.last_error();
    out.clear();
  }
  return out;
}

struct Expected {
  Call call;
  const Batch *batch;
  std::vector<char> answer;
};

/// Runs every expected call `rounds` times on `model` from this thread,
/// starting at `offset` (so threads interleave different calls).
void hammer(const Api &api, loom_model *model, const loom_model_info &info,
            const std::vector<Expected> &expected, int rounds, size_t offset,
            std::atomic<int> &calls, std::atomic<int> &wrong) {
  for (int r = 0; r < rounds; ++r)
    for (size_t i = 0; i < expected.size(); ++i) {
      const Expected &e = expected[(i + offset) % expected.size()];
      std::string error;
      std::vector<char> got = run(api, model, info, *e.batch, e.call, error);
      ++calls;
      if (got != e.answer) {
        if (wrong++ == 0)
          std::fprintf(stderr, "loom-concurrency-check: %s\n",
                       error.empty() ? "an answer differs from the one-thread answer"
                                     : ("a call failed: " + error).c_str());
      }
    }
}

loom_model *create(const Api &api) {
  loom_model *model = nullptr;
  if (api.create_seeded(7, 2, &model) != LOOM_OK)
    die(std::string("create_seeded: ") + api.last_error());
  return model;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 3)
    die("usage: loom-concurrency-check LIBRARY.so NAME [--rounds=N]");
  int rounds = 20;
  for (int i = 3; i < argc; ++i) {
    if (std::strncmp(argv[i], "--rounds=", 9) != 0 || (rounds = std::atoi(argv[i] + 9)) < 1)
      die(std::string("unknown or bad option '") + argv[i] + "'");
  }
  Api api(argv[1], argv[2]);
  const loom_model_info &info = *api.info();
  std::vector<Batch> batches = makeBatches(info);

  loom_model *shared = create(api);
  std::vector<Expected> expected;
  bool decodes = std::string(info.architecture) != "encoder";
  for (const Batch &b : batches)
    for (Call call : {Call::forward, Call::decode}) {
      if (call == Call::decode && !decodes)
        continue;
      std::string error;
      std::vector<char> answer = run(api, shared, info, b, call, error);
      if (answer.empty())
        die("a call alone failed: " + error);
      expected.push_back({call, &b, std::move(answer)});
    }

  std::atomic<int> calls{0}, wrong{0};
  {
    std::vector<std::thread> threads;
    for (size_t t = 0; t < 2; ++t)
      threads.emplace_back(hammer, std::cref(api), shared, std::cref(info),
                           std::cref(expected), rounds, t * 3, std::ref(calls),
                           std::ref(wrong));
    for (std::thread &t : threads)
      t.join();
  }
  std::printf("one handle, 2 threads: %d calls, %d wrong\n", calls.load(), wrong.load());
  api.free(shared);

  int wrongOnOne = wrong.exchange(0);
  calls = 0;
  {
    std::vector<std::thread> threads;
    for (size_t t = 0; t < 6; ++t)
      threads.emplace_back([&, t] {
        loom_model *own = create(api);
        hammer(api, own, info, expected, std::max(1, rounds / 4), t, calls, wrong);
        api.free(own);
      });
    for (std::thread &t : threads)
      t.join();
  }
  std::printf("6 handles, 6 threads: %d calls, %d wrong\n", calls.load(), wrong.load());
  return wrongOnOne + wrong.load() == 0 ? 0 : 1;
}
