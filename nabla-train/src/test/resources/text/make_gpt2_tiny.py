"""Writes gpt2-tiny/vocab.json and merges.txt: GPT-2's 256 byte tokens (GPT-2's bytes_to_unicode table and
base order, written independently of the Java code) plus a dozen hand-picked merges. Run with python3 from
this directory. vocab.json uses \\u escapes (json's ensure_ascii) as GPT-2's encoder.json does."""
import json

bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
cs = bs[:]
n = 0
for b in range(256):
    if b not in bs:
        bs.append(b)
        cs.append(256 + n)
        n += 1
byte_char = {b: chr(c) for b, c in zip(bs, cs)}
vocab = {chr(c): i for i, c in enumerate(cs)}

merges = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "a"), ("l", "l"), ("e", "r"),
          ("b", "c"), ("a", "b"), ("č", "Ċ"), ("ð", "Ł")]
for a, b in merges:
    vocab[a + b] = len(vocab)
vocab["<|endoftext|>"] = len(vocab)

with open("gpt2-tiny/vocab.json", "w") as f:
    json.dump(vocab, f)
with open("gpt2-tiny/merges.txt", "w") as f:
    f.write("#version: 0.2\n")
    for a, b in merges:
        f.write(a + " " + b + "\n")

# The ids the Java test expects (derived by hand; printed here as a cross-check).
for t in ["t", "H", "e", "o", "Ġ", "w", "r", "l", "d", "'", "s", "č", "Ċ", "a", "n", "\u00f0", "Ł"]:
    print(repr(t), vocab[t])
print("0x98", vocab[byte_char[0x98]], "0x80", vocab[byte_char[0x80]], "0x00", vocab[byte_char[0]], "0xff", vocab[byte_char[0xff]])
