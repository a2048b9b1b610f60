import { main } from './main.js';
import { runAsProcess } from './process.js';

// The process entry of the built CLI for every command (bin/dwctl.js imports the bundle of this file; `lint`
// alone starts from lint-entry.ts when its bundle is there).
await runAsProcess(main);
