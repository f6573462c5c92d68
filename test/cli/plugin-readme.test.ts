import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { pluginOptionsMarkdown } from '../../cli/schema.js';
import { builtinPlugins, loadPlugin } from '../../core/plugin-loader.js';
import { fixture } from '../helpers/paths.js';

describe('built-in plugins\' READMEs', () => {
  it('document the options exactly as each plugin\'s schema defines them, where they have an options section', async () => {
    let checked = 0;
    for (const name of await builtinPlugins()) {
      const readme = await readFile(fixture('plugins', name, 'README.md'), 'utf8');
      const documented = /<!-- options:begin -->\n([\s\S]*?)<!-- options:end -->/.exec(readme);
      if (!documented) continue;
      checked++;
      const plugin = await loadPlugin(name, undefined, process.cwd());
      assert.equal(documented[1], pluginOptionsMarkdown(plugin), `plugins/${name}/README.md is out of date: run npm run schemas`);
    }
    assert.ok(checked >= 1, 'at least the placeos README has an options section');
  });
});
