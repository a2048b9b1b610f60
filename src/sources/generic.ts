import type { SourceModule } from './types.js';

/** Every type without special rules: what its wizard entry and discovery say, nothing more. */
export const generic: SourceModule = {
  type: null,
};
