// attention: o = softmax(mask(q k^T * scale)) v, FlashAttention style;
// arguments as in LOOM_ABI_attention. Halide dims innermost first:
// q(e, i, h, b) [B, Sq, H, Dh], k and v (e, j, h, b) [B, Sk, H, Dh],
// key_lengths(b) (int32; read only by key_padding masks), o like q.
// q, k, v and o may be strided views into [B, S, 3D] / [B, S, D] activations
// (q(e, s, h, b) = qkv[b, s, h*Dh + e]): only e must have stride 1. Dims 1..3
// must start at 0. Masks: causal hides key j > i; key_padding hides key
// j >= key_lengths[b]; causal_key_padding both. A query row that sees no key
// at all gets o = 0 (PyTorch would give NaN: this is no NaN input, and a
// padding row must stay finite). Param head_dim fixes Dh (the
// buffers must then have that extent in dim 0); 0 reads Dh from q.
//
// The algorithm (FlashAttention: online softmax over key blocks, one task per
// query block), its schedule and its NaN and Inf handling are FlashForward's
// (AttentionCommon.h), shared with attention_train.
#include "AttentionCommon.h"
#include "GeneratorMacros.h"

#include <string>

using namespace Halide;
using namespace loom::halide;
using namespace loom::halide::attention;

namespace {

class AttentionGenerator : public Generator<AttentionGenerator> {
public:
  LOOM_GENERATOR_ABI(attention)
#define LOOM_SELECTED_attention LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_attention

  void generate() {
    FlashForwardSpec spec;
    spec.mask = parseMask("attention", mask);
    requireNonNegative("attention", "head_dim", head_dim);
    const Target t = get_target();
    spec.headDim = head_dim;
    spec.VW = natural_vector_size<float>();
    spec.QB = query_block.forTarget(t);
    spec.KB = key_block.forTarget(t);
    spec.scoreKeysUnroll = score_keys_unroll.forTarget(t);
    spec.pvQueriesUnroll = pv_queries_unroll.forTarget(t);
    // A remainder would grow every register tile of the block.
    requireDivides("attention", "score_keys_unroll", spec.scoreKeysUnroll, "key_block", spec.KB);
    requireDivides("attention", "pv_queries_unroll", spec.pvQueriesUnroll, "query_block", spec.QB);
    for (Input<Buffer<float>> *buf : {&q, &k, &v}) buf->dim(1).set_min(0);
    Expr Dh = q.dim(0).extent();
    if (head_dim > 0) {
      Dh = head_dim;
      for (Input<Buffer<float>> *buf : {&q, &k, &v}) buf->dim(0).set_bounds(0, Dh);
    }
    FlashForward forward(spec, q, k, v, key_lengths, scale, Dh, q.dim(1).extent(),
                         k.dim(1).extent());
    forward.build(o);
    if (head_dim > 0) o.dim(0).set_bounds(0, Dh);  // (o's buffer exists once o is defined)
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(AttentionGenerator, attention)
