// Where the CLI's own text goes (render, validate, lint, help, version and the error boundary). One switchable
// sink lets the start-up snapshot run real commands while it is built, with their output sent nowhere. The
// other commands print to process.stdout/stderr directly.
export interface Sink {
  out(text: string): void;
  err(text: string): void;
}

/** What the plain entry uses: node's own streams, exactly as before the snapshot existed. */
export const streamSink: Sink = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

let sink: Sink = streamSink;

export function setSink(next: Sink): void {
  sink = next;
}

export function out(text: string): void {
  sink.out(text);
}

export function err(text: string): void {
  sink.err(text);
}
