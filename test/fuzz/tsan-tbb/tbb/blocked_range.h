// TSan stand-in for <tbb/blocked_range.h>: see README next to this file.
#ifndef LOOM_TSAN_TBB_BLOCKED_RANGE_H
#define LOOM_TSAN_TBB_BLOCKED_RANGE_H

#include <cstddef>

namespace tbb {
template <typename Value>
class blocked_range {
public:
  using const_iterator = Value;
  using size_type = std::size_t;
  blocked_range(Value begin, Value end, size_type grainsize = 1)
      : begin_(begin), end_(end), grainsize_(grainsize ? grainsize : 1) {}
  const_iterator begin() const { return begin_; }
  const_iterator end() const { return end_; }
  size_type size() const { return size_type(end_ - begin_); }
  size_type grainsize() const { return grainsize_; }
  bool empty() const { return !(begin_ < end_); }
  bool is_divisible() const { return grainsize_ < size(); }

private:
  Value begin_, end_;
  size_type grainsize_;
};
} // namespace tbb

#endif // LOOM_TSAN_TBB_BLOCKED_RANGE_H
