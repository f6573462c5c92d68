import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { optionsMarkdown } from '../../cli/schema.js';
import { fixture } from '../helpers/paths.js';

describe('README', () => {
  it('documents the options exactly as the schemas define them', async () => {
    const readme = await readFile(fixture('README.md'), 'utf8');
    const documented = /<!-- options:begin -->\n([\s\S]*?)<!-- options:end -->/.exec(readme);
    assert.ok(documented, 'the README has the options section between its markers');
    assert.equal(documented[1], optionsMarkdown(), 'README.md is out of date: paste the output of `node dist/cli/switchboard.js schema --markdown` between the markers');
  });
});
