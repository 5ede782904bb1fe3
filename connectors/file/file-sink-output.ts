import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { CommittedRecord } from '../../core/sdk';
import { namesIn } from './file-sink-traces';
import { parsePartFileName } from './part-file-names';

/**
 * The committed records of a file sink folder: every line of every committed part file (`part-<subtask>-<id>.jsonl`,
 * what a reader of the folder sees; `.pending` is not output). A line that is JSON gives its value, any other line
 * its text. The file sink writes values only, so records carry no source position.
 */
export async function* readFileSinkOutput(dir: string): AsyncGenerator<CommittedRecord> {
  const parts = (await namesIn(dir)).filter((name) => parsePartFileName(name) !== undefined).sort();
  for (const name of parts) {
    const lines = createInterface({ input: createReadStream(join(dir, name), 'utf8'), crlfDelay: Infinity });
    let number = 0;
    for await (const line of lines) {
      number += 1;
      if (line === '') continue;
      yield { value: parseLine(line), location: `${name}:${number}` };
    }
  }
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return line;
  }
}
