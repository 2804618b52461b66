import * as fs from 'node:fs';
import { EVENTS_DOC, renderEventDocs } from './event-docs';

describe('docs/EVENTS.md', () => {
  it('matches the schemas (run `npm run docs:events` after changing one)', () => {
    expect(fs.readFileSync(EVENTS_DOC, 'utf8')).toBe(renderEventDocs());
  });
});
