/** A one-line progress bar on stderr: redrawn in place on a terminal, a line every few seconds otherwise. */
export interface Progress {
  update(done: number, total: number, note?: string): void;
  done(note?: string): void;
}

/** A progress bar labelled `label` writing to `stream` (stderr by default). */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  const start = Date.now();
  let last = 0;
  const line = (done: number, total: number, note?: string) => {
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const width = 24;
    const filled = Math.round(frac * width);
    const secs = ((Date.now() - start) / 1000).toFixed(1);
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${total} ${secs}s${note ? ` ${note}` : ''}`;
  };
  return {
    update(done, total, note) {
      const now = Date.now();
      if (tty) {
        if (now - last < 100 && done < total) return;
        last = now;
        stream.write(`\r${line(done, total, note)}\u001b[K`);
      } else if (now - last >= 5000) {
        last = now;
        stream.write(`${line(done, total, note)}\n`);
      }
    },
    done(note) {
      const secs = ((Date.now() - start) / 1000).toFixed(1);
      stream.write(`${tty ? '\r' : ''}${label} done in ${secs}s${note ? ` ${note}` : ''}${tty ? '\u001b[K' : ''}\n`);
    },
  };
}
