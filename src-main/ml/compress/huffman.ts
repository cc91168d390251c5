// Huffman coding of quantized weight indices, the last stage of Deep
// Compression (Han et al.): only the code lengths are needed for the
// compressed size, which is what the paper reports.

/** Code length per symbol for the given frequencies (classic two-queue merge). */
export function huffmanLengths(freq: Map<number, number>): Map<number, number> {
  const symbols = [...freq.entries()].filter(([, f]) => f > 0);
  if (symbols.length === 0) return new Map();
  if (symbols.length === 1) return new Map([[symbols[0][0], 1]]);
  type Node = { f: number; syms: number[] };
  const nodes: Node[] = symbols.map(([s, f]) => ({ f, syms: [s] }));
  const len = new Map(symbols.map(([s]) => [s, 0]));
  while (nodes.length > 1) {
    nodes.sort((a, b) => a.f - b.f);
    const a = nodes.shift()!;
    const b = nodes.shift()!;
    for (const s of [...a.syms, ...b.syms]) len.set(s, len.get(s)! + 1);
    nodes.push({ f: a.f + b.f, syms: [...a.syms, ...b.syms] });
  }
  return len;
}

/** Total bits of the Huffman-coded sequence, plus a codebook of (symbol, length) bytes. */
export function huffmanBits(values: ArrayLike<number>): { bits: number; codebookBytes: number } {
  const freq = new Map<number, number>();
  for (let i = 0; i < values.length; i++) freq.set(values[i], (freq.get(values[i]) ?? 0) + 1);
  const lens = huffmanLengths(freq);
  let bits = 0;
  for (const [s, f] of freq) bits += f * lens.get(s)!;
  return { bits, codebookBytes: lens.size * 2 };
}

/**
 * Sparse storage as in Deep Compression: nonzero positions as gaps from the
 * previous one in `gapBits`-bit fields (a gap that does not fit inserts a
 * filler zero entry), then both the quantized values and the gaps Huffman-coded.
 */
export function deepCompressionBytes(q: Uint32Array, zeroPoint: number, gapBits = 5): { bytes: number; entries: number } {
  const maxGap = 2 ** gapBits - 1;
  const vals: number[] = [];
  const gaps: number[] = [];
  let last = -1;
  for (let i = 0; i < q.length; i++) {
    if (q[i] === zeroPoint) continue;
    let gap = i - last;
    while (gap > maxGap) {
      gaps.push(maxGap);
      vals.push(zeroPoint); // filler
      gap -= maxGap;
    }
    gaps.push(gap);
    vals.push(q[i]);
    last = i;
  }
  const v = huffmanBits(vals);
  const g = huffmanBits(gaps);
  return { bytes: Math.ceil((v.bits + g.bits) / 8) + v.codebookBytes + g.codebookBytes, entries: vals.length };
}
