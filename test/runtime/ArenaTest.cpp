//===- ArenaTest.cpp - The planned-buffer arena ---------------------------===//

#include "loom/runtime/Arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

using namespace loom;

TEST(Arena, StartsEmpty) {
  Arena a;
  EXPECT_EQ(a.capacity(), 0u);
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_TRUE(a.reserve(0).ok());
  a.zero();
}

TEST(Arena, IsAlignedAndRoundedUp) {
  for (size_t bytes : {1u, 4u, 63u, 64u, 65u, 1000u, 1u << 20}) {
    Arena a;
    ASSERT_TRUE(a.reserve(bytes).ok());
    EXPECT_GE(a.capacity(), bytes);
    EXPECT_EQ(a.capacity() % Arena::kAlignment, 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data()) % 64, 0u) << bytes;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(a.at(128)) % 64, 0u);
    EXPECT_EQ(reinterpret_cast<uint8_t *>(a.at(12)) - static_cast<uint8_t *>(a.data()), 12);
    a.zero();
    EXPECT_EQ(*a.at(0), 0.0f);
  }
}

TEST(Arena, GrowsAndNeverShrinks) {
  Arena a;
  ASSERT_TRUE(a.reserve(256).ok());
  void *first = a.data();
  a.at(0)[0] = 1.0f;
  a.at(0)[63] = 2.0f;
  ASSERT_TRUE(a.reserve(128).ok());
  EXPECT_EQ(a.data(), first) << "a smaller plan reuses the block";
  EXPECT_EQ(a.capacity(), 256u);
  ASSERT_TRUE(a.reserve(1 << 16, /*preserve=*/true).ok());
  EXPECT_GE(a.capacity(), 1u << 16);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data()) % 64, 0u);
  EXPECT_EQ(a.at(0)[0], 1.0f) << "preserved";
  EXPECT_EQ(a.at(0)[63], 2.0f);
  float *last = a.at((1 << 16) - 4);
  *last = 3.0f; // the whole capacity is usable
  EXPECT_EQ(*last, 3.0f);
}

TEST(Arena, AllocationFailureIsOutOfMemory) {
  Arena a;
  ASSERT_TRUE(a.reserve(1024).ok());
  void *before = a.data();
  Status s = a.reserve(size_t(1) << 62);
  EXPECT_EQ(s.code(), LOOM_ERROR_OUT_OF_MEMORY);
  EXPECT_NE(s.message().find("arena: cannot allocate"), std::string::npos) << s.message();
  EXPECT_EQ(a.data(), before) << "unchanged after a failure";
  EXPECT_EQ(a.capacity(), 1024u);
  EXPECT_EQ(a.reserve(SIZE_MAX).code(), LOOM_ERROR_OUT_OF_MEMORY);
}

TEST(Arena, Moves) {
  Arena a;
  ASSERT_TRUE(a.reserve(100).ok());
  void *p = a.data();
  Arena b(std::move(a));
  EXPECT_EQ(b.data(), p);
  EXPECT_EQ(a.data(), nullptr);
  Arena c;
  c = std::move(b);
  EXPECT_EQ(c.data(), p);
  EXPECT_EQ(c.capacity(), 128u);
}

TEST(ArenaPool, LeasesAtOnceAreDistinctAndComeBackForReuse) {
  ArenaPool pool;
  void *first = nullptr;
  {
    ArenaPool::Lease a = pool.acquire();
    ArenaPool::Lease b = pool.acquire();
    ASSERT_TRUE(a->reserve(256).ok());
    ASSERT_TRUE(b->reserve(64).ok());
    EXPECT_NE(a->data(), b->data()) << "two calls at once never share scratch";
    EXPECT_EQ(pool.idle(), 0u);
    first = a->data(); // b goes back first, then a
  }
  EXPECT_EQ(pool.idle(), 2u);
  EXPECT_EQ(pool.idleBytes(), 256u + 64u);
  // The last one given back is the next one lent, contents and size kept.
  ArenaPool::Lease again = pool.acquire();
  EXPECT_EQ(again->data(), first);
  EXPECT_EQ(pool.idle(), 1u);
  ArenaPool::Lease moved(std::move(again));
  EXPECT_EQ(moved->data(), first);
}
