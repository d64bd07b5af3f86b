#!/usr/bin/env node
// The published package runs the compiled CLI; in a checkout `npm run warden -- ...` runs the sources.
import '../dist/cli/main.js';
