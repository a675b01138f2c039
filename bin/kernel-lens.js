#!/usr/bin/env node
// The `kernel-lens` command: the bundled engine in CLI mode.
require('../dist/engine.js');
