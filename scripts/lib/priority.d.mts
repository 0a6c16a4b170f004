/** Types of priority.mjs (a plain ESM script of the test command) for the TypeScript that imports it. */
export function setTreePriority(rootPid: number, priority: number): void;
