import { describe, expect, it } from 'vitest';
import { COMMANDS, commandsFor } from '../../src/cli/commands/index.js';
import { COMMAND_NAMES } from '../../src/cli/commands/names.js';

describe('the command registry', () => {
  it('has a loader for every command name, and no other', () => {
    expect(Object.keys(COMMANDS).sort()).toEqual([...COMMAND_NAMES].sort());
  });

  it.each(COMMAND_NAMES)('the loader of "%s" gives the command of that name', async (name) => {
    const command = await COMMANDS[name]!();
    expect(command.paths).toEqual([[name]]);
  });

  it('loads only the named command, or every command for anything else', async () => {
    expect((await commandsFor(['lint', 'x.yaml'])).map((c) => c.paths![0]![0])).toEqual(['lint']);
    expect(await commandsFor(['--help'])).toHaveLength(COMMAND_NAMES.length);
    expect(await commandsFor(['plna'])).toHaveLength(COMMAND_NAMES.length);
    expect(await commandsFor([])).toHaveLength(COMMAND_NAMES.length);
    expect(await commandsFor(['--version'])).toEqual([]);
    expect(await commandsFor(['--version', 'lint'])).toHaveLength(COMMAND_NAMES.length);
  });
});
