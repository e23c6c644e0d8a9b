"""A small reference beam search over loom_torch's model, for the parity tests.

Written from the definition, not from Loom's code: for each source row on its own,
every live hypothesis is re-run through the whole decoder (no cache), its last
position's logits turned into log-probabilities in float64, and the `beam - finished`
best extensions (score desc, then hypothesis, then token) survive; one that ends with
eos_id, or reaches max_new tokens, is finished. The answer is the finished hypothesis
with the best score / ((5 + len) / 6)^alpha (Wu et al. 2016; len counts eos), the first
on ties. Also returns the margin: the smallest score gap at a decision (the last kept
extension vs the first dropped one, and the best final hypothesis vs the next), below
which float rounding could flip the answer.
"""
import math

import torch


def _normalised(hypothesis, alpha):
    tokens, score = hypothesis
    return score / ((5.0 + len(tokens)) / 6.0) ** alpha


@torch.no_grad()
def _search_row(model, src_row, src_len, max_new, beam, alpha):
    s = model.spec
    live, finished, margin = [([], 0.0)], [], math.inf
    for t in range(max_new):
        n = len(live)
        tgt = torch.tensor([[s["bos_id"]] + h for h, _ in live], dtype=torch.long)
        logits = model.forward(src_row.expand(n, -1), src_len.expand(n),
                               tgt, torch.full((n,), t + 1, dtype=torch.long))[:, -1]
        log_probs = torch.log_softmax(logits.double(), dim=-1)
        candidates = sorted(((score + float(log_probs[k, v]), k, v)
                             for k, (_, score) in enumerate(live)
                             for v in range(log_probs.shape[1])),
                            key=lambda c: (-c[0], c[1], c[2]))
        keep = beam - len(finished)
        if len(candidates) > keep:
            margin = min(margin, candidates[keep - 1][0] - candidates[keep][0])
        live_next = []
        for score, k, v in candidates[:keep]:
            hypothesis = (live[k][0] + [v], score)
            ended = v == s["eos_id"] or t == max_new - 1
            (finished if ended else live_next).append(hypothesis)
        live = live_next
        if not live:
            break
    ranked = sorted(finished, key=lambda h: -_normalised(h, alpha))
    if len(ranked) > 1:
        margin = min(margin, _normalised(ranked[0], alpha) - _normalised(ranked[1], alpha))
    best = max(finished, key=lambda h: _normalised(h, alpha))  # the first of equals
    return best[0], margin


def beam_translate(model, src, src_len, max_new, beam, alpha):
    """tokens [B, max_new] (pad_id after the best hypothesis) and the smallest margin."""
    tokens = torch.full((src.shape[0], max_new), model.spec["pad_id"], dtype=torch.long)
    margin = math.inf
    for b in range(src.shape[0]):
        best, m = _search_row(model, src[b:b + 1], src_len[b:b + 1], max_new, beam, alpha)
        tokens[b, :len(best)] = torch.tensor(best)
        margin = min(margin, m)
    return tokens, margin
