#!/usr/bin/python3
"""Builds the translator's English->French corpus from Debian's gettext catalogs.

Every Debian program with a French translation ships a compiled catalog,
/usr/share/locale/fr/LC_MESSAGES/DOMAIN.mo, that maps its English messages
(msgid) to French (msgstr). This script reads the catalogs of a pinned list of
packages (corpus_packages.txt next to it), cleans and filters the pairs, and
splits them into train / valid / test:

  OUTDIR/{train,valid,test}.{en,fr}   one sentence per line, line-aligned, UTF-8
  OUTDIR/counts.json                  pairs kept per package, per split, drops per reason
  OUTDIR/stamp.json                   what the outputs were built from (the cache key)

Usage:
  make_corpus.py OUTDIR [--packages FILE] [--max-words N] [--max-chars N]
  make_corpus.py OUTDIR --mo A.mo [B.mo ...]    explicit catalogs instead of packages
  make_corpus.py --print-packages [--packages FILE]   the package names, one a line
                                                      (for apt-get install)

The package list: one package a line, `#` starts a comment. A line may name
catalog domains after the package (`iso-codes iso_639-2 iso_3166-1`): then only
those .mo files of the package are read (iso-codes' 9,000 language names and
4,000 region names would otherwise swamp the corpus). Each package's French
catalogs are the files `dpkg -L PKG` lists under a `/fr/LC_MESSAGES/` directory
ending in `.mo`; a package that is not installed, or that ships no French
catalog, is an error.

Reading: gettext.GNUTranslations parses each .mo file (its `_catalog` dict).
Symlinks to a catalog already read are skipped. Every entry is counted once,
under the first of these reasons that applies, or as kept:

  header        the empty msgid (the catalog's metadata)
  context       msgctxt entries (the msgid holds "CONTEXT\\x04MSGID")
  plural        msgid_plural entries (tuple keys (msgid, n) in `_catalog`;
                counted once per msgid, not per plural form)
  empty         either side empty after cleaning
  control       either side holds a control character after cleaning
                (escape sequences, bells ...)
  no_letters    the English side has no letter outside printf directives
                ("%s: %s", "%d%%")
  untranslated  msgstr equals msgid, ignoring case (after cleaning)
  too_long      either side has more than --max-words words (default 30) or
                more than --max-chars characters (default 200)
  duplicate     the English text (after cleaning) was kept already; the first
                one wins, in the order: packages sorted by name, each package's
                .mo files sorted by path, each catalog's msgids sorted
                (--mo files: sorted by path)

Cleaning, on each side:

1. Accelerator (mnemonic) marks are removed: GTK's `_` ("_File", "Save _As",
   "Pr_eferences") and Qt/mc's `&` ("&Open", "Co&py"). A candidate mark is a
   single `_` or `&` (not doubled: `&&`, `__` are left alone) directly followed
   by a letter or digit (and, for `&`, not an entity such as `&amp;` / `&#38;`).
   Marks are only looked for in catalogs that use them: a catalog uses `_`
   (resp. `&`) when at least 3 of its English messages hold exactly one
   candidate, at the start of a word (not after a letter, digit or mark),
   before an upper-case letter, in a token with no other mark ("_File",
   "&Help"); elsewhere (bash, psql, util-linux ...) `_` and `&` are code.
   In such a catalog a candidate is removed when all of these hold:
     - it is the only candidate of its kind on that side of the pair;
     - the whitespace-delimited token holding it has no other `_` / `&` and
       none of `% $ @ \\ = < > { } [ ]`, and does not start with `-`
       (so `--no_foo`, `%s_%d`, `${HOME}_x`, `<a_b>` stay);
     - it does not directly follow a quote that opens the token (`'&BD'`
       names a key; an elision, "l'_adresse", is no such quote); and on
       the French side, its word (mark included) is not in the cleaned
       English side (English '&M' kept -> French « &M » kept too);
     - for `_` inside a word (after a letter or digit: "Pr_eferences", but
       also `max_replies`), that word (letters, digits, `_`, `&`) does not
       occur on the other side of the pair: translators copy identifiers
       (`module_path`), they translate mnemonics ("Pr_eferences" ->
       "Pr_éférences"). A `&` inside a word ("Co&py") is always a mnemonic
       in a catalog that uses `&` (mc: "macr&o" -> "macr&o" too).
2. Whitespace: every run of Unicode whitespace (newlines, tabs, no-break and
   narrow no-break spaces included) becomes one ASCII space; both ends are
   trimmed. So no line holds a line break. Format directives (%s, %d ...) and
   markup are kept as they are.

Splitting: by a hash of the English side, so a sentence always lands in the
same split whatever else the corpus holds. The key is the English text
case-folded with trailing punctuation (. : ! ? … and spaces) removed, so that
near-duplicates ("File not found", "file not found.") share a split and the
test set does not leak into train through them: sha1(key) -> a number u in
[0, 1); test if u < --test-frac (default 0.027), valid if u < test-frac +
--valid-frac (default 0.022), train otherwise. The script asserts that no
English side of valid or test occurs in train.

Caching: OUTDIR/stamp.json records a hash of this script, of the package list,
of the settings and of every .mo file's path, size and mtime. If it matches,
nothing is rebuilt; the counts are printed again. The outputs are written to
temporary files and renamed into place, the stamp last (it is removed before
the first rename), so a killed run never leaves a corpus that looks complete.

Errors (a package not installed, an unreadable or invalid .mo file, an empty
result) exit with status 1 and one line `make_corpus: error: ...` naming the
culprit.
"""
import argparse
import gettext
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata

SPLITS = ("train", "valid", "test")
DROP_REASONS = ("header", "context", "plural", "empty", "control", "no_letters",
                "untranslated", "too_long", "duplicate")
DEFAULT_PACKAGES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus_packages.txt")
FR_CATALOG = re.compile(r"/fr/LC_MESSAGES/[^/]+\.mo$")


class CorpusError(Exception):
    """An error for the user: printed as one line, exit status 1."""


# ----------------------------------------------------------------------------
# Cleaning

# A single `_` / `&` (not doubled) followed by a letter or digit; for `&`, not
# an entity (`&amp;`, `&#38;`).
_MARK = {
    "_": re.compile(r"(?<!_)_(?=[^\W_])"),
    "&": re.compile(r"(?<!&)&(?=[^\W_])(?!#?\w+;)"),
}
# The same at the start of a word (not after a letter, digit or mark) and
# before an upper-case letter: "_File", "Save _As", "&Open".
_INITIAL_MARK = {
    "_": re.compile(r"(?<![\w_])_(?=[^\W_\d])"),
    "&": re.compile(r"(?<![\w&])&(?=[^\W_\d])(?!#?\w+;)"),
}
_TOKEN_FORBIDDEN = set("%$@\\=<>{}[]")
_QUOTES = set("'\"`«‘“")
MNEMONIC_CATALOG_MIN = 3


def _span_at(text, pos, inside):
    """The maximal run of characters satisfying `inside` around position `pos`."""
    start = pos
    while start > 0 and inside(text[start - 1]):
        start -= 1
    end = pos + 1
    while end < len(text) and inside(text[end]):
        end += 1
    return text[start:end]


def _words(text, mark):
    return set(re.findall(r"[\w&]+" if mark == "&" else r"\w+", text))


def catalog_marks(catalog):
    """The accelerator marks a catalog uses: `_` / `&` when at least
    MNEMONIC_CATALOG_MIN of its English messages have exactly one candidate
    mark, at the start of a word, before an upper-case letter, in a word with
    no other mark ("_File", "Save _As", "&Help")."""
    marks = set()
    for mark in _MARK:
        hits = 0
        for msgid in catalog:
            if not isinstance(msgid, str) or "\x04" in msgid:
                continue
            found = _MARK[mark].findall(msgid)
            initial = _INITIAL_MARK[mark].search(msgid)
            if (len(found) == 1 and initial and msgid[initial.end()].isupper()
                    and _is_mnemonic_word(msgid, initial.start(), mark, set())):
                hits += 1
        if hits >= MNEMONIC_CATALOG_MIN:
            marks.add(mark)
    return marks


def _is_mnemonic_word(text, pos, mark, other_words):
    token = _span_at(text, pos, lambda c: not c.isspace())
    if (token.count("_") + token.count("&") != 1 or token.startswith("-")
            or _TOKEN_FORBIDDEN.intersection(token)
            or (len(token) > 1 and token[0] in _QUOTES and token[1] in _MARK)):
        return False
    if mark == "_" and pos > 0 and text[pos - 1].isalnum():  # "Pr_eferences" or "max_depth"?
        word = _span_at(text, pos, lambda c: c.isalnum() or c in "_&")
        return word not in other_words
    return True


def strip_accelerators(text, other, marks, kept_in=None):
    """`text` without its mnemonic marks of the kinds in `marks` (those its
    catalog uses, see catalog_marks); `other` is the other side of the pair,
    for the identifier check; a mark whose word (mark included) occurs in
    `kept_in` (the other side, cleaned already) is kept. See the module
    docstring for the rule."""
    for mark in sorted(marks):
        hits = list(_MARK[mark].finditer(text))
        if len(hits) != 1:
            continue
        pos = hits[0].start()
        word = _span_at(text, pos, lambda c: c.isalnum() or c in "_&")
        if kept_in is not None and word in _words(kept_in, mark):
            continue
        if _is_mnemonic_word(text, pos, mark, _words(other, mark)):
            text = text[:pos] + text[pos + 1:]
    return text


def strip_pair_accelerators(msgid, msgstr, marks):
    """Both sides without their mnemonic marks: the English side first, then
    the French one, which keeps a mark the English side kept in the same word
    ('&M' -> « &M »)."""
    if not marks:
        return msgid, msgstr
    en = strip_accelerators(msgid, msgstr, marks)
    return en, strip_accelerators(msgstr, msgid, marks, kept_in=en)


def normalise_space(text):
    return " ".join(text.split())


# A printf directive: %s, %-10.3lf, %1$s, %%, ...
_PRINTF = re.compile(r"%(?:\d+\$)?[-+ #0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?"
                     r"(?:hh|h|ll|l|q|j|z|t|L)?[diouxXeEfFgGaAcspnm%]")


def has_letters(text):
    """Whether `text` has a letter outside its printf directives."""
    return any(c.isalpha() for c in _PRINTF.sub("", text))


def has_control(text):
    return any(unicodedata.category(c) == "Cc" for c in text)


def split_key(english):
    return english.casefold().rstrip(" .:!?…")


def split_of(english, test_frac, valid_frac):
    digest = hashlib.sha1(split_key(english).encode("utf-8")).digest()
    u = int.from_bytes(digest[:8], "big") / 2.0**64
    if u < test_frac:
        return "test"
    if u < test_frac + valid_frac:
        return "valid"
    return "train"


def word_count(text):
    return len(text.split())


# ----------------------------------------------------------------------------
# Inputs


def read_package_list(path):
    """[(package, [domain ...])] from the list file, in file order."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise CorpusError(f"cannot read the package list {path}: {e.strerror}")
    packages, seen = [], set()
    for number, line in enumerate(lines, 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if fields[0] in seen:
            raise CorpusError(f"{path}:{number}: package '{fields[0]}' is listed twice")
        seen.add(fields[0])
        packages.append((fields[0], fields[1:]))
    if not packages:
        raise CorpusError(f"the package list {path} names no package")
    return packages


def package_catalogs(package, domains):
    """The French .mo files of an installed package, sorted by path."""
    try:
        result = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True)
    except OSError as e:
        raise CorpusError(f"cannot run dpkg -L {package}: {e.strerror}")
    if result.returncode != 0:
        raise CorpusError(f"package '{package}' is not installed "
                          f"(apt-get install {package}; see --print-packages)")
    files = sorted(p for p in result.stdout.splitlines() if FR_CATALOG.search(p))
    if domains:
        by_domain = {os.path.basename(p)[:-3]: p for p in files}
        missing = [d for d in domains if d not in by_domain]
        if missing:
            raise CorpusError(f"package '{package}' ships no French catalog for domain(s) "
                              f"{', '.join(missing)} (it has: "
                              f"{', '.join(sorted(by_domain)) or 'none'})")
        files = sorted(by_domain[d] for d in domains)
    if not files:
        raise CorpusError(f"package '{package}' ships no French catalog "
                          f"(no /fr/LC_MESSAGES/*.mo in dpkg -L {package})")
    return files


def file_signature(path):
    try:
        st = os.stat(path)
    except OSError as e:
        raise CorpusError(f"cannot read {path}: {e.strerror}")
    return [path, st.st_size, st.st_mtime_ns]


def read_catalog(path):
    """The catalog of a .mo file, through gettext.GNUTranslations."""
    try:
        f = open(path, "rb")
    except OSError as e:
        raise CorpusError(f"cannot read {path}: {e.strerror}")
    try:
        with f:
            return gettext.GNUTranslations(f)._catalog
    except OSError as e:  # gettext's own: OSError(0, "Bad magic number", path)
        raise CorpusError(f"{path} is not a gettext .mo file ({e.strerror or e})")
    except Exception as e:  # struct.error (truncated), UnicodeDecodeError, ValueError ...
        raise CorpusError(f"{path} is not a gettext .mo file ({type(e).__name__}: {e})")


# ----------------------------------------------------------------------------
# Building


class Builder:
    def __init__(self, args):
        self.args = args
        self.pairs = []  # (english, french, source)
        self.seen = set()
        self.dropped = {reason: 0 for reason in DROP_REASONS}
        self.accelerators = 0
        self.sources = {}  # source -> {"files": [...], "entries": n, "kept": n}
        self.read_paths = set()

    def add_catalog(self, source, path):
        info = self.sources[source]
        real = os.path.realpath(path)
        if real in self.read_paths:
            info["files"].append({"path": path, "skipped": "same file as one read before"})
            return
        self.read_paths.add(real)
        catalog = read_catalog(path)
        marks = catalog_marks(catalog)
        kept_before = len(self.pairs)
        singular = sorted(k for k in catalog if isinstance(k, str))
        plural = {k[0] for k in catalog if not isinstance(k, str)}
        entries = len(singular) + len(plural)
        for msgid in sorted(plural):
            self.dropped["context" if "\x04" in msgid else "plural"] += 1
        for msgid in singular:
            self.add_pair(msgid, catalog[msgid], source, marks)
        kept = len(self.pairs) - kept_before
        info["files"].append({"path": path, "entries": entries, "kept": kept,
                              "accelerator_marks": "".join(sorted(marks))})
        info["entries"] += entries
        info["kept"] += kept

    def add_pair(self, msgid, msgstr, source, marks):
        if msgid == "":
            self.dropped["header"] += 1
            return
        if "\x04" in msgid:
            self.dropped["context"] += 1
            return
        en, fr = strip_pair_accelerators(msgid, msgstr, marks)
        en, fr = normalise_space(en), normalise_space(fr)
        if en != normalise_space(msgid) or fr != normalise_space(msgstr):
            self.accelerators += 1
        reason = None
        if not en or not fr:
            reason = "empty"
        elif has_control(en) or has_control(fr):
            reason = "control"
        elif not has_letters(en):
            reason = "no_letters"
        elif en.casefold() == fr.casefold():
            reason = "untranslated"
        elif (max(word_count(en), word_count(fr)) > self.args.max_words
              or max(len(en), len(fr)) > self.args.max_chars):
            reason = "too_long"
        elif en in self.seen:
            reason = "duplicate"
        if reason:
            self.dropped[reason] += 1
            return
        self.seen.add(en)
        self.pairs.append((en, fr, source))


def progress(message):
    print(f"make_corpus: {message}", file=sys.stderr, flush=True)


def collect_inputs(args):
    """[(source, [mo paths])] sorted, and the stamp's description of the inputs."""
    if args.mo:
        paths = sorted(args.mo)
        for p in paths:
            if not os.path.isfile(p):
                raise CorpusError(f"cannot read {p}: no such file")
        sources = [(p, [p]) for p in paths]
        listing = None
    else:
        packages = read_package_list(args.packages)
        sources = [(name, package_catalogs(name, domains)) for name, domains in sorted(packages)]
        with open(args.packages, "rb") as f:
            listing = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.abspath(__file__), "rb") as f:
        script = hashlib.sha256(f.read()).hexdigest()
    stamp = {
        "script_sha256": script,
        "package_list_sha256": listing,
        "settings": {"max_words": args.max_words, "max_chars": args.max_chars,
                     "test_frac": args.test_frac, "valid_frac": args.valid_frac},
        "catalogs": [file_signature(p) for _, paths in sources for p in paths],
    }
    return sources, stamp


def build(args, sources):
    builder = Builder(args)
    for i, (source, paths) in enumerate(sources, 1):
        builder.sources[source] = {"files": [], "entries": 0, "kept": 0}
        for path in paths:
            builder.add_catalog(source, path)
        progress(f"[{i}/{len(sources)}] {source}: {builder.sources[source]['kept']} pairs "
                 f"from {len(paths)} catalog(s); {len(builder.pairs)} pairs so far")
    if not builder.pairs:
        names = ", ".join(s for s, _ in sources)
        raise CorpusError(f"no pair left after filtering (inputs: {names}; dropped: "
                          + ", ".join(f"{k} {v}" for k, v in builder.dropped.items() if v) + ")")

    split = {name: [] for name in SPLITS}
    for en, fr, source in builder.pairs:
        split[split_of(en, args.test_frac, args.valid_frac)].append((en, fr))
    train_en = {en for en, _ in split["train"]}
    for name in ("valid", "test"):
        leaked = [en for en, _ in split[name] if en in train_en]
        assert not leaked, f"{name} English sides found in train: {leaked[:3]}"

    counts = {
        "splits": {name: len(split[name]) for name in SPLITS},
        "mean_words": {name: {side: round(sum(word_count(p[k]) for p in split[name])
                                          / max(1, len(split[name])), 2)
                              for k, side in ((0, "en"), (1, "fr"))}
                       for name in SPLITS},
        "total_kept": len(builder.pairs),
        "dropped": builder.dropped,
        "accelerators_stripped": builder.accelerators,
        "settings": {"max_words": args.max_words, "max_chars": args.max_chars,
                     "test_frac": args.test_frac, "valid_frac": args.valid_frac},
        "sources": builder.sources,
    }
    return split, counts


def write_outputs(outdir, split, counts, stamp):
    os.makedirs(outdir, exist_ok=True)
    names = [f"{n}.{side}" for n in SPLITS for side in ("en", "fr")] + ["counts.json", "stamp.json"]
    for entry in os.listdir(outdir):  # temporary files of a run that was killed
        if entry.endswith(".tmp") and any(entry.startswith(f".{n}.") for n in names):
            os.unlink(os.path.join(outdir, entry))
    files = {}
    for name in SPLITS:
        for k, side in ((0, "en"), (1, "fr")):
            lines = [pair[k] for pair in split[name]]
            for line in lines:
                assert len(line.splitlines()) == 1, f"line break in {line!r}"
            files[f"{name}.{side}"] = "".join(line + "\n" for line in lines)
    files["counts.json"] = json.dumps(counts, indent=1, ensure_ascii=False) + "\n"
    temps = {}
    try:
        for name, text in list(files.items()) + [("stamp.json", json.dumps(stamp, indent=1) + "\n")]:
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=outdir)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            temps[name] = tmp
        stamp_path = os.path.join(outdir, "stamp.json")
        if os.path.exists(stamp_path):
            os.unlink(stamp_path)
        for name in files:
            os.replace(temps.pop(name), os.path.join(outdir, name))
        os.replace(temps.pop("stamp.json"), stamp_path)
    finally:
        for tmp in temps.values():
            if os.path.exists(tmp):
                os.unlink(tmp)


def is_cached(outdir, stamp):
    try:
        with open(os.path.join(outdir, "stamp.json"), encoding="utf-8") as f:
            old = json.load(f)
        with open(os.path.join(outdir, "counts.json"), encoding="utf-8") as f:
            counts = json.load(f)
    except (OSError, ValueError):
        return None
    if old != json.loads(json.dumps(stamp)):
        return None
    for name in SPLITS:
        for side in ("en", "fr"):
            if not os.path.isfile(os.path.join(outdir, f"{name}.{side}")):
                return None
    return counts


def print_summary(outdir, counts, cached):
    head = "cached: " if cached else ""
    print(f"{head}corpus in {outdir}: {counts['total_kept']} pairs from "
          f"{len(counts['sources'])} source(s)")
    for name in SPLITS:
        mw = counts["mean_words"][name]
        print(f"  {name:5s} {counts['splits'][name]:7d} pairs   mean words en {mw['en']:.2f}"
              f"  fr {mw['fr']:.2f}")
    dropped = counts["dropped"]
    print("  dropped: " + ", ".join(f"{k} {dropped[k]}" for k in DROP_REASONS))
    print(f"  accelerator marks stripped in {counts['accelerators_stripped']} pairs")
    for source, info in counts["sources"].items():
        print(f"  {source}: {info['kept']} of {info['entries']} entries kept")


def main(argv):
    parser = argparse.ArgumentParser(
        description="Build the English->French corpus from Debian's French gettext catalogs.")
    parser.add_argument("outdir", nargs="?", help="output directory")
    parser.add_argument("--packages", default=DEFAULT_PACKAGES,
                        help="package list (default: corpus_packages.txt next to this script)")
    parser.add_argument("--mo", nargs="+", metavar="FILE.mo",
                        help="read these .mo files instead of the packages' catalogs")
    parser.add_argument("--max-words", type=int, default=30,
                        help="keep pairs with at most this many words on each side (30)")
    parser.add_argument("--max-chars", type=int, default=200,
                        help="keep pairs with at most this many characters on each side (200)")
    parser.add_argument("--test-frac", type=float, default=0.027,
                        help="share of the English hash space that goes to test (0.027)")
    parser.add_argument("--valid-frac", type=float, default=0.022,
                        help="share of the English hash space that goes to valid (0.022)")
    parser.add_argument("--print-packages", action="store_true",
                        help="print the package names of the list, one a line, and exit")
    args = parser.parse_args(argv)
    try:
        if args.print_packages:
            for name, _ in read_package_list(args.packages):
                print(name)
            return 0
        if not args.outdir:
            parser.error("OUTDIR is required")
        if args.max_words < 1 or args.max_chars < 1:
            raise CorpusError("--max-words and --max-chars must be at least 1")
        if not (0 <= args.test_frac and 0 <= args.valid_frac and args.test_frac + args.valid_frac < 1):
            raise CorpusError("--test-frac and --valid-frac must be >= 0 with a sum below 1")
        sources, stamp = collect_inputs(args)
        counts = is_cached(args.outdir, stamp)
        if counts is not None:
            print_summary(args.outdir, counts, cached=True)
            return 0
        split, counts = build(args, sources)
        write_outputs(args.outdir, split, counts, stamp)
        print_summary(args.outdir, counts, cached=False)
        return 0
    except CorpusError as e:
        print(f"make_corpus: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("make_corpus: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
