// adam: one Adam step over a flat block of parameters, in place, arguments as
// in LOOM_ABI_adam. Halide dims: param, grad, m, v and the outputs (i) [P];
// param_out, m_out and v_out are the storage of param, m and v.
//
// The arithmetic is torch.optim.Adam's (_single_tensor_adam, no weight decay,
// no amsgrad, not capturable) on float32 CPU tensors, operation by operation,
// as PyTorch 1.13's vectorised CPU kernels round them:
//   m.mul_(beta1).add_(g, alpha = 1 - beta1)    m' = fma(g, 1 - beta1, m * beta1)
//   v.mul_(beta2).addcmul_(g, g, 1 - beta2)     v' = fma((1 - beta2) * g, g, v * beta2)
//   denom = v'.sqrt() / bc2_sqrt + eps          d  = sqrt(v') / bc2_sqrt + eps
//   param.addcdiv_(m', denom, -step_size)       p' = p + (-step_size * m') / d
// The module is compiled with strict float (IEEE: no contraction,
// reassociation or reciprocal), and the two fused multiply-adds are computed
// in double (the product of two floats is exact there; the one rounding
// before the final one to float can differ from a true fma only in a
// double-rounding tie, about one case in 2^29). So the result is PyTorch's
// bit for bit, given the same float scalars, with one caveat of the ABI:
// 1 - beta is computed here from the float beta (exactly), where PyTorch
// rounds the double 1 - beta to float; for betas that are not floats (0.9,
// 0.98, 0.999) the two differ in the last bits of 1 - beta (up to ~1e-5
// relative for 0.999), which moves m and v by a few ulps (v by up to ~100 ulps
// at beta2 = 0.999); the parameters hardly move.
//
// In place: the three outputs are computed in one loop nest, VW elements at
// a time: the new (param, m, v) of a vector are computed together (one Tuple
// Func) from the inputs, then stored to the three outputs (compute_with), so
// no output element is written before every input it depends on is read.
// Tails are guarded, never shifted inwards (no element is computed twice).
// NaN and Inf propagate through the arithmetic as in PyTorch.
#include "GeneratorMacros.h"

using namespace Halide;
using namespace loom::halide;

namespace {

class AdamGenerator : public Generator<AdamGenerator> {
public:
  LOOM_GENERATOR_ABI(adam)
#define LOOM_SELECTED_adam LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_adam

  void generate() {
    const int VW = natural_vector_size<float>();
    const int perTask = elements_per_task.forTarget(get_target());
    requireDivides("adam", "vector width", VW, "elements_per_task", perTask);
    Var i("i"), t("t"), it("it"), io("io"), iv("iv");

    /* THE ALGORITHM */
    // fma(a, b, c) for floats a, b, c, through double (see above).
    auto fma = [](Expr a, Expr b, Expr c) {
      return cast<float>(cast<double>(a) * cast<double>(b) + cast<double>(c));
    };
    Expr g = grad(i);
    Expr m1 = fma(g, 1.0f - beta1, m(i) * beta1);
    Expr v1 = fma((1.0f - beta2) * g, g, v(i) * beta2);
    Expr denom = sqrt(v1) / bias_correction2_sqrt + eps;
    Expr p1 = param(i) + (-step_size * m1) / denom;
    Func update("update");
    update(i) = Tuple(strict_float(p1), strict_float(m1), strict_float(v1));
    param_out(i) = update(i)[0];
    m_out(i) = update(i)[1];
    v_out(i) = update(i)[2];

    // One shape, starting at 0: the three fused loop nests share one loop
    // (otherwise Halide takes the union of their ranges and sizes the
    // per-vector buffer at run time, on the heap).
    Expr P = param.dim(0).extent();
    param.dim(0).set_min(0);
    for (OutputImageParam b : {OutputImageParam(grad), OutputImageParam(m), OutputImageParam(v),
                               OutputImageParam(param_out), OutputImageParam(m_out),
                               OutputImageParam(v_out)})
      b.dim(0).set_bounds(0, P);

    /* THE SCHEDULE */
    // Parallel tasks of perTask elements; inside, one vector at a time:
    // update's vector, then its three stores.
    for (Func f : {Func(param_out), Func(m_out), Func(v_out)})
      f.split(i, t, it, perTask, TailStrategy::GuardWithIf)
          .split(it, io, iv, VW, TailStrategy::GuardWithIf)
          .parallel(t)
          .vectorize(iv);
    update.compute_at(param_out, io).vectorize(i, VW, TailStrategy::GuardWithIf);
    m_out.compute_with(param_out, io);
    v_out.compute_with(param_out, io);
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(AdamGenerator, adam)
