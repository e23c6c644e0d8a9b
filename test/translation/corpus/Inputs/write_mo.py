#!/usr/bin/python3
"""Writes a GNU gettext .mo file for the corpus tests, without msgfmt.

  write_mo.py OUT.mo ENTRIES.json    ENTRIES: a JSON list of [msgid, msgstr]
  write_mo.py OUT.mo --synthetic N   N distinct numbered pairs

As in a .mo file, a context entry is "CONTEXT\\u0004MSGID" and a plural entry
"SINGULAR\\u0000PLURAL" -> "FORM0\\u0000FORM1". A UTF-8 header entry (the empty
msgid) comes first unless ENTRIES has one.
"""
import json
import struct
import sys

HEADER = ("Project-Id-Version: loom-test\nMIME-Version: 1.0\n"
          "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n"
          "Plural-Forms: nplurals=2; plural=(n > 1);\n")


def write_mo(path, entries):
    if not any(msgid == "" for msgid, _ in entries):
        entries = [("", HEADER)] + list(entries)
    entries = sorted((k.encode("utf-8"), v.encode("utf-8")) for k, v in entries)
    n = len(entries)
    originals_at, translations_at = 28, 28 + 8 * n
    data_at = 28 + 16 * n
    blob, originals, translations = b"", [], []
    for table, index in ((originals, 0), (translations, 1)):
        for entry in entries:
            text = entry[index]
            table.append((len(text), data_at + len(blob)))
            blob += text + b"\0"
    with open(path, "wb") as f:
        f.write(struct.pack("<7I", 0x950412DE, 0, n, originals_at, translations_at, 0, data_at))
        for length, offset in originals + translations:
            f.write(struct.pack("<2I", length, offset))
        f.write(blob)


def synthetic(count):
    nouns = [("file", "fichier"), ("directory", "répertoire"), ("keyring", "trousseau"),
             ("user", "utilisateur"), ("package", "paquet"), ("log", "journal")]
    pairs = []
    for i in range(count):
        en, fr = nouns[i % len(nouns)]
        pairs.append((f"cannot open {en} number {i}", f"impossible d'ouvrir le {fr} numéro {i}"))
    return pairs


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[2] == "--synthetic":
        write_mo(sys.argv[1], synthetic(int(sys.argv[3])))
    elif len(sys.argv) == 3:
        with open(sys.argv[2], encoding="utf-8") as f:
            write_mo(sys.argv[1], [tuple(e) for e in json.load(f)])
    else:
        sys.exit(__doc__)
