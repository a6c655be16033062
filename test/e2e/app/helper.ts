// A local helper the task module imports: part of the bundle, so part of its hash.
export function greeting(name: string): string {
  return `Hello, ${name}!`;
}
