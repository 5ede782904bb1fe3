import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The `seq` of every record in the committed `part-*.jsonl` files of a file sink's folder (pending files excluded). */
export async function committedSeqs(out: string): Promise<number[]> {
  const files = (await readdir(out)).filter((name) => /^part-.*\.jsonl$/.test(name));
  const seqs: number[] = [];
  for (const file of files) {
    for (const line of (await readFile(join(out, file), 'utf8')).split('\n')) {
      if (line !== '') seqs.push((JSON.parse(line) as { seq: number }).seq);
    }
  }
  return seqs;
}
