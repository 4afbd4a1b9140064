/** Reads a data file, turning "no such file" and "is a directory" into jointly's data errors. */
import { readFileSync } from 'node:fs';
import { DataMalformedError, DataMissingError, messageOf } from '../../errors.js';
import { gunzipIfGzipped } from '../gzip.js';

/** The file's bytes; `what` names the kind of file in messages (e.g. `CSV file`), `hint` says how to get it. */
export function readDataFile(path: string, what: string, hint = `check the path of the ${what}`): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataMissingError(`${path}: no such file`, hint);
    if (code === 'EISDIR') throw new DataMalformedError(`${path}: is a directory, not a ${what}`, 'pass the path of the file itself');
    throw new DataMissingError(`${path}: cannot be read (${code ?? messageOf(err)})`, 'check the file\'s permissions');
  }
}

/** A text data file (CSV, JSON Lines) as UTF-8 text, unpacked first when it is gzipped (`digits.csv.gz`). */
export function readDataText(path: string, what: string, hint?: string): string {
  return Buffer.from(gunzipIfGzipped(readDataFile(path, what, hint), path)).toString('utf8');
}
