// embed and argmax_rows.
//
// Generated C functions (Halide dims innermost first):
//   embed:  out[b, s, :] = table[tok[b, s], :] * sqrt(D) + pe[s, :]
//     int FN(halide_buffer_t *tok,    // int32 [B, S]  tok(s, b)
//            halide_buffer_t *table,  // float [V, D]  table(d, v)
//            halide_buffer_t *pe,     // float [max_len, D] pe(d, pos), rows >= S
//            halide_buffer_t *out);   // float [B, S, D] out(d, s, b), output
//     Token ids are validated by the runtime; the kernel clamps them to [0, V) only
//     so that a bad id can never read outside the table.
//   argmax_rows: idx[m] = first index of the maximum of logits[m, :] (torch.argmax)
//     int FN(halide_buffer_t *logits, // float [M, V]  logits(v, m), row stride >= V
//            halide_buffer_t *idx);   // int32 [M] output
#include "KernelFamilies.h"
#include "Schedules.h"

#include <cmath>

using namespace Halide;

namespace loom::halide {

KernelDefinition buildEmbed(const KernelRequest &, const Target &target) {
  ImageParam tok(Int(32), 2, "tok"), table(Float(32), 2, "table"), pe(Float(32), 2, "pe");
  Var d("d"), s("s"), b("b");

  /* THE ALGORITHM */
  Expr D = table.dim(0).extent(), V = table.dim(1).extent();
  Expr row = clamp(tok(s, b), 0, V - 1);
  Func out("out");
  out(d, s, b) = table(d, row) * sqrt(cast<float>(D)) + pe(d, s);

  /* THE SCHEDULE */
  const EmbedSchedule e = embedScheduleFor(target);
  Var t("t"), to("to"), ti("ti");
  auto tokens = [&](Stage stage) {
    stage.fuse(s, b, t).split(t, to, ti, e.tokensPerTask, TailStrategy::GuardWithIf).parallel(to);
  };
  Stage wide = out.specialize(D >= e.vectorWidth);
  tokens(wide);
  wide.vectorize(d, e.vectorWidth, TailStrategy::ShiftInwards);
  tokens(out);
  return {Pipeline(out), {tok, table, pe}};
}

KernelDefinition buildArgmaxRows(const KernelRequest &, const Target &target) {
  ImageParam logits(Float(32), 2, "logits");
  Var m("m"), u("u");
  const ArgmaxSchedule a = argmaxScheduleFor(target);
  const int VW = a.vectorWidth;

  /* THE ALGORITHM */
  // Lane u scans v = u, u + VW, u + 2 VW, ... keeping its first maximum (strict >);
  // then the lanes are merged taking the larger value, and on ties the smaller
  // index. Index -1 marks a lane that has seen nothing yet. Reads past V are
  // clamped to V - 1, a duplicate of the last element that can never win a tie.
  Expr V = logits.dim(0).extent();
  Expr dense = V % VW == 0;
  RDom ro(0, (V + VW - 1) / VW, "ro");
  Expr v = select(dense, unsafe_promise_clamped(ro * VW + u, 0, V - 1), min(ro * VW + u, V - 1));
  Expr value = logits(v, m);
  Func lane("lane");
  lane(u, m) = Tuple(cast<float>(-INFINITY), -1);
  Expr better = lane(u, m)[1] < 0 || value > lane(u, m)[0];
  lane(u, m) = Tuple(select(better, value, lane(u, m)[0]), select(better, v, lane(u, m)[1]));
  RDom ru(0, VW, "ru");
  Func best("best");
  best(m) = Tuple(cast<float>(-INFINITY), -1);
  Expr lv = lane(ru, m)[0], li = lane(ru, m)[1];
  Expr take = li >= 0 && (best(m)[1] < 0 || lv > best(m)[0] ||
                          (lv == best(m)[0] && li < best(m)[1]));
  best(m) = Tuple(select(take, lv, best(m)[0]), select(take, li, best(m)[1]));
  Func idx("idx");
  idx(m) = best(m)[1];

  /* THE SCHEDULE */
  Var mo("mo"), mi("mi");
  idx.split(m, mo, mi, a.rowsPerTask, TailStrategy::GuardWithIf).parallel(mo);
  best.compute_at(idx, mi);
  lane.compute_at(idx, mi).vectorize(u);
  lane.update().vectorize(u);
  return {Pipeline(idx), {logits}};
}

}  // namespace loom::halide
