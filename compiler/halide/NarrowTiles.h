// Register tiles for outputs narrower than the configured one, shared by the
// GEMM kernels whose tile is (tile_rows x tile_vectors vectors): linear and
// linear_grad_weight. A model with d_model 32 (d2l's tiny one) has N = 32 <
// 64 = the AVX-512 tile's width, and without these its linears ran as scalar
// loops, 10-15x slower than a 2-vector tile (loomc tune's records, 2 threads).
#pragma once

#include <algorithm>
#include <utility>
#include <vector>

namespace loom::halide {

/// The narrower tiles, widest first, as (columns, rows): the vector count
/// halved down to one vector, the rows grown so that the tile keeps about as
/// many accumulators, up to twice the configured rows (more rows would only
/// add redundant rows to the ShiftInwards tail of short outputs); last, one
/// vector by one row, so that no output of a vector or more goes scalar (the
/// kernels vectorise their register tile wherever N >= one vector). A tile
/// (c, r) serves outputs at least c wide and r tall.
inline std::vector<std::pair<int, int>> narrowerTiles(int tileRows, int tileVectors,
                                                      int vectorWidth) {
  std::vector<std::pair<int, int>> tiles;
  for (int vectors = tileVectors / 2; vectors >= 1; vectors /= 2)
    tiles.push_back({vectors * vectorWidth,
                     std::min(tileRows * tileVectors / vectors, 2 * tileRows)});
  tiles.push_back({vectorWidth, 1});
  return tiles;
}

}  // namespace loom::halide
