// Where the CLI's own text goes: render, validate, lint, help, version and the error boundary.
export function out(text: string): void {
  process.stdout.write(text);
}

export function err(text: string): void {
  process.stderr.write(text);
}
