"""Writes a small, repetitive English->French-like parallel corpus.

  make_corpus.py OUTDIR [--train N] [--valid N]

OUTDIR/{train,valid}.{en,fr} (line-aligned) and OUTDIR/spm.txt (both sides,
for spm_train); for the error tests, OUTDIR/mixed.{en,fr} (20 good pairs, two
with an empty side, one too long for max_len 32) and OUTDIR/short.{en,fr}
(one line fewer in .fr). Sentences come from a few templates over a small lexicon and
translate word by word, adjectives after their noun as in French, so a tiny
model learns them in a few epochs. The same arguments give the same bytes.
"""
import argparse
import os
import random

NOUNS = {"cat": "chat", "dog": "chien", "bird": "oiseau", "horse": "cheval",
         "house": "maison", "tree": "arbre", "car": "voiture", "book": "livre"}
ADJECTIVES = {"red": "rouge", "small": "petit", "big": "grand", "old": "vieux",
              "green": "vert", "black": "noir"}
VERBS = {"sees": "voit", "likes": "aime", "eats": "mange", "finds": "trouve",
         "wants": "veut"}
ARTICLES = {"the": "le", "a": "un"}


def noun_phrase(rng):
    article = rng.choice(sorted(ARTICLES))
    noun = rng.choice(sorted(NOUNS))
    words_en, words_fr = [article], [ARTICLES[article]]
    if rng.random() < 0.5:
        adjective = rng.choice(sorted(ADJECTIVES))
        words_en.append(adjective)
        words_en.append(noun)
        words_fr += [NOUNS[noun], ADJECTIVES[adjective]]
    else:
        words_en.append(noun)
        words_fr.append(NOUNS[noun])
    return words_en, words_fr


def sentence(rng):
    subject_en, subject_fr = noun_phrase(rng)
    verb = rng.choice(sorted(VERBS))
    object_en, object_fr = noun_phrase(rng)
    en = subject_en + [verb] + object_en
    fr = subject_fr + [VERBS[verb]] + object_fr
    if rng.random() < 0.3:  # a longer sentence now and then
        more_en, more_fr = noun_phrase(rng)
        en += ["and"] + more_en
        fr += ["et"] + more_fr
    return " ".join(en) + " .", " ".join(fr) + " ."


def write(path, lines):
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in lines))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("--train", type=int, default=1200)
    parser.add_argument("--valid", type=int, default=40)
    args = parser.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    rng = random.Random(20240601)
    for split, count in (("train", args.train), ("valid", args.valid)):
        pairs = [sentence(rng) for _ in range(count)]
        write(os.path.join(args.outdir, split + ".en"), [en for en, _ in pairs])
        write(os.path.join(args.outdir, split + ".fr"), [fr for _, fr in pairs])
        if split == "train":
            write(os.path.join(args.outdir, "spm.txt"),
                  [en for en, _ in pairs] + [fr for _, fr in pairs])
            write(os.path.join(args.outdir, "short.en"), [en for en, _ in pairs[:10]])
            write(os.path.join(args.outdir, "short.fr"), [fr for _, fr in pairs[:9]])
    mixed = [sentence(rng) for _ in range(20)]
    mixed.insert(3, ("the cat sees the dog .", ""))
    mixed.insert(7, ("   ", "le chat voit le chien ."))
    long_en, long_fr = zip(*[sentence(rng) for _ in range(4)])
    mixed.insert(11, (" ".join(long_en), " ".join(long_fr)))
    write(os.path.join(args.outdir, "mixed.en"), [en for en, _ in mixed])
    write(os.path.join(args.outdir, "mixed.fr"), [fr for _, fr in mixed])


if __name__ == "__main__":
    main()
