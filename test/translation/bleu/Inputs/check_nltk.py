"""Checks loom-bleu against NLTK on the same tokens.

  check_nltk.py WORKDIR

Builds three corpora of a few hundred deterministic pseudo-random
hypothesis/reference pairs (words with accents, numbers, punctuation glued
to them, so that 13a tokenisation has work to do), writes them to WORKDIR,
takes the tokens from `loom-bleu --tokens` and scores them with NLTK:

  shorter  hypotheses mostly shorter than their references (BP < 1), with
           empty and one- to three-token hypotheses;
  longer   hypotheses mostly longer (BP = 1), all of at least four tokens:
           nltk.translate.bleu_score.corpus_bleu on the tokens, as it is;
  zero     every third token of each hypothesis replaced, so that no 3-gram
           or 4-gram matches: sacreBLEU's 'exp' smoothing, computed here.

NLTK's corpus_bleu and sacreBLEU count the same clipped matches but differ
in one place: NLTK's modified_precision floors a sentence's n-gram count at
1 (a hypothesis shorter than n still adds 1 to the denominator), sacreBLEU
adds len - n + 1 clipped at 0. On 'shorter', whose short hypotheses hit
exactly that, the score is assembled from NLTK's pieces (modified_precision's
numerators, closest_ref_length, brevity_penalty) with sacreBLEU's
denominators; 'longer' has no such hypothesis, so corpus_bleu applies as is.

Prints one "CASE: agree" line per case; exits 1 naming the difference
otherwise.
"""
import math
import os
import random
import re
import subprocess
import sys
import warnings

from nltk.translate.bleu_score import (brevity_penalty, closest_ref_length, corpus_bleu,
                                       modified_precision)

WORDS = ("le la les un une chat chien maison été Noël l'homme aujourd'hui très "
         "the cat dog house is was über naïve café 1990 3,5 12.5 1,000 2-3 "
         "Straße garçon œuvre ça").split()
GLUE = ["", "", "", "", ",", ".", "!", "?", ":", ";", "...", ")", "\"", "'s", "-"]
LINE = re.compile(r"BLEU = (\S+) (\S+)/(\S+)/(\S+)/(\S+) \(BP = (\S+) ratio = (\S+) "
                  r"hyp_len = (\d+) ref_len = (\d+)\)$")


def word(rng):
    w = rng.choice(WORDS) + rng.choice(GLUE)
    return "(" + w if rng.random() < 0.05 else w


def mutate(rng, ref, drop, insert):
    out = []
    for w in ref:
        if rng.random() < drop:
            continue
        out.append(word(rng) if rng.random() < 0.1 else w)
        if rng.random() < insert:
            out.append(word(rng))
    return out


def corpus(rng, case):
    hyps, refs = [], []
    for i in range(300):
        ref = [word(rng) for _ in range(rng.randint(4, 25))]
        if case == "shorter":
            hyp = mutate(rng, ref, 0.25, 0.05)
            if i % 17 == 0:
                hyp = []
            elif i % 13 == 0:
                hyp = hyp[:rng.randint(1, 3)]
        elif case == "longer":
            hyp = mutate(rng, ref, 0.05, 0.3)
            while len(" ".join(hyp).split()) < 4:
                hyp.append(word(rng))
        else:
            hyp = mutate(rng, ref, 0.1, 0.1)
        hyps.append(" ".join(hyp))
        refs.append(" ".join(ref))
    return hyps, refs


def run(args):
    result = subprocess.run(["loom-bleu"] + args, capture_output=True)
    if result.returncode != 0:
        sys.exit(f"loom-bleu {' '.join(args)} failed: {result.stderr.decode()}")
    return result.stdout.decode("utf-8")


def tokens_of(path):
    return [line.split(" ") if line else [] for line in run(["--tokens", path]).split("\n")[:-1]]


def counts(hyp_tokens, ref_tokens):
    """Corpus clipped matches (NLTK's) and sacreBLEU's totals, n = 1..4."""
    matches, totals = [0] * 4, [0] * 4
    for hyp, ref in zip(hyp_tokens, ref_tokens):
        for n in range(1, 5):
            matches[n - 1] += modified_precision([ref], hyp, n).numerator
            totals[n - 1] += max(0, len(hyp) - n + 1)
    return matches, totals


def lengths(hyp_tokens, ref_tokens):
    hyp_len = sum(len(h) for h in hyp_tokens)
    ref_len = sum(closest_ref_length([r], len(h)) for h, r in zip(hyp_tokens, ref_tokens))
    return hyp_len, ref_len


def check(case, hyps, refs, workdir):
    hyp_path, ref_path = (os.path.join(workdir, f"{case}.{s}") for s in ("hyp", "ref"))
    for path, lines in ((hyp_path, hyps), (ref_path, refs)):
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))
    hyp_tokens, ref_tokens = tokens_of(hyp_path), tokens_of(ref_path)
    assert len(hyp_tokens) == len(hyps) and len(ref_tokens) == len(refs)
    line = run(["--width=10", hyp_path, ref_path]).strip()
    got = LINE.match(line)
    if not got:
        sys.exit(f"{case}: unexpected loom-bleu line: {line!r}")

    matches, totals = counts(hyp_tokens, ref_tokens)
    hyp_len, ref_len = lengths(hyp_tokens, ref_tokens)
    bp = brevity_penalty(ref_len, hyp_len)
    if case == "zero":
        # sacreBLEU's 'exp': the k-th order without a match counts 1 / 2^k.
        if not (matches[0] and matches[1] and matches[2] == 0 and matches[3] == 0
                and totals[3] > 0):
            sys.exit(f"zero: expected 3- and 4-gram matches 0 only, got {matches} of {totals}")
        precisions = [100 * matches[0] / totals[0], 100 * matches[1] / totals[1],
                      100 / (2 * totals[2]), 100 / (4 * totals[3])]
        expected = 100 * bp * math.exp(sum(math.log(p / 100) for p in precisions) / 4)
    else:
        if 0 in matches:
            sys.exit(f"{case}: an n-gram order without a match: {matches}")
        precisions = [100 * m / t for m, t in zip(matches, totals)]
        expected = 100 * bp * math.exp(math.fsum(math.log(m / t) for m, t in zip(matches, totals)) / 4)
        if case == "longer":
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                nltk = 100 * corpus_bleu([[r] for r in ref_tokens], hyp_tokens)
            if abs(nltk - expected) > 1e-9:
                sys.exit(f"longer: the composed score {expected} is not corpus_bleu's {nltk}")
        if (bp < 1) != (case == "shorter"):
            sys.exit(f"{case}: brevity penalty {bp} is not what the case is for")

    score = float(got.group(1))
    printed = [got.group(i) for i in range(2, 6)]
    problems = []
    if abs(score - expected) > 1e-6:
        problems.append(f"BLEU {score} vs {expected!r}")
    if printed != [f"{p:.1f}" for p in precisions]:
        problems.append(f"precisions {printed} vs {precisions}")
    if got.group(6) != f"{bp:.3f}":
        problems.append(f"BP {got.group(6)} vs {bp}")
    if (int(got.group(8)), int(got.group(9))) != (hyp_len, ref_len):
        problems.append(f"lengths {got.group(8)}/{got.group(9)} vs {hyp_len}/{ref_len}")
    if problems:
        sys.exit(f"{case}: loom-bleu disagrees: " + "; ".join(problems) + f"\n  {line}")
    print(f"{case}: agree ({line})")


def without_trigram_matches(hyps, workdir):
    """Every third 13a token replaced by one no reference has: no 3-gram or
    4-gram can match (13a leaves space-separated tokens as they are)."""
    path = os.path.join(workdir, "zero.untouched")
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in hyps))
    return [" ".join("ZZZ" if i % 3 == 2 else t for i, t in enumerate(tokens))
            for tokens in tokens_of(path)]


def main():
    workdir = sys.argv[1]
    os.makedirs(workdir, exist_ok=True)
    for seed, case in enumerate(["shorter", "longer", "zero"]):
        rng = random.Random(seed)
        hyps, refs = corpus(rng, case)
        if case == "zero":
            hyps = without_trigram_matches(hyps, workdir)
        check(case, hyps, refs, workdir)


main()
