import { defineConfig } from 'vitest/config';

// Kernel tests share interfaces, namespaces and the BPF subsystem: run files one at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
